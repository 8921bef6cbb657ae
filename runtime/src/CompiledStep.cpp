//===- CompiledStep.cpp - Drive a compiled training step ------------------===//

#include "liprt/CompiledStep.h"

#include "MiniJson.h"

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <set>

using namespace liprt;

namespace {
constexpr int64_t kManifestVersion = 1;

int64_t dtypeBytes(const std::string &dtype) {
  return dtype == "f64" ? 8 : dtype == "f32" || dtype == "i32" ? 4 : 0;
}

/// Words of a rank-`rank` memref descriptor: allocated and aligned
/// pointers, offset, sizes, strides (mlir/ExecutionEngine/CRunnerUtils.h).
size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

Result<StepTensor> parseTensor(const json::Value &v, const std::string &where) {
  auto fail = [&](const std::string &what) {
    return Status::error("step manifest: " + where + ": " + what);
  };
  if (v.kind != json::Value::Kind::Object)
    return fail("not an object");
  StepTensor t;
  for (auto [key, field] : {std::pair{"role", &t.role}, std::pair{"name", &t.name},
                            std::pair{"state", &t.state}, std::pair{"dtype", &t.dtype}}) {
    const json::Value *s = v.get(key);
    if (s && s->kind != json::Value::Kind::String)
      return fail(std::string("'") + key + "' is not a string");
    if (s)
      *field = s->string;
  }
  static const std::set<std::string> roles = {"param", "state", "step", "input", "labels", "loss"};
  if (!roles.count(t.role))
    return fail("unknown role '" + t.role + "'");
  if (!dtypeBytes(t.dtype))
    return fail("unsupported dtype '" + t.dtype + "'");
  const json::Value *shape = v.get("shape");
  if (!shape || shape->kind != json::Value::Kind::Array)
    return fail("no shape");
  if (static_cast<int64_t>(shape->array.size()) > CompiledStep::kMaxRank)
    return fail("rank " + std::to_string(shape->array.size()) + " is above the runtime's " +
                std::to_string(CompiledStep::kMaxRank));
  for (const json::Value &extent : shape->array) {
    if (!extent.isInteger() || extent.number < -1)
      return fail("a shape extent is not a size or -1");
    t.shape.push_back(static_cast<int64_t>(extent.number));
  }
  if (t.isCarried() && t.dtype != "f32")
    return fail("parameters and state must be f32");
  if ((t.role == "step" && (t.dtype != "f64" || !t.shape.empty())) ||
      (t.role == "loss" && !t.shape.empty()))
    return fail("the " + t.role + " must be a scalar" + (t.role == "step" ? " f64" : ""));
  if (const json::Value *c = v.get("constraint")) {
    const json::Value *method = c->get("method"), *wMax = c->get("w_max"),
                      *norm = c->get("norm");
    if (!method || method->kind != json::Value::Kind::String || !wMax ||
        wMax->kind != json::Value::Kind::Number || !norm ||
        (norm->string != "rms_to_rms" && norm->string != "l1_to_rms"))
      return fail("malformed constraint");
    t.constraintMethod = method->string;
    t.norm = norm->string;
    t.wMax = wMax->number;
  }
  return t;
}

bool sameTensor(const StepTensor &a, const StepTensor &b) {
  return a.role == b.role && a.name == b.name && a.state == b.state && a.dtype == b.dtype &&
         a.shape == b.shape;
}
} // namespace

int64_t StepTensor::elements(int64_t batch) const {
  int64_t n = 1;
  for (int64_t extent : shape)
    n *= extent < 0 ? batch : extent;
  return n;
}

Result<StepManifest> liprt::parseStepManifest(const std::string &text) {
  Result<json::Value> root = json::parse(text);
  if (!root)
    return Status::error("step manifest: " + root.status().message());
  const json::Value *format = root->get("format"), *version = root->get("version");
  if (!format || format->string != "lipc-step-manifest")
    return Status::error("step manifest: not a lipc step manifest");
  if (!version || !version->isInteger() || version->number != kManifestVersion)
    return Status::error("step manifest: version " +
                         (version && version->isInteger()
                              ? std::to_string(static_cast<int64_t>(version->number))
                              : std::string("missing")) +
                         ", this runtime reads version " + std::to_string(kManifestVersion));
  StepManifest manifest;
  for (auto [key, list] : {std::pair{"arguments", &manifest.arguments},
                           std::pair{"results", &manifest.results}}) {
    const json::Value *array = root->get(key);
    if (!array || array->kind != json::Value::Kind::Array)
      return Status::error(std::string("step manifest: no '") + key + "' array");
    for (size_t i = 0; i < array->array.size(); ++i) {
      Result<StepTensor> t = parseTensor(array->array[i], key + (" " + std::to_string(i)));
      if (!t)
        return t.status();
      list->push_back(*t);
    }
  }
  // Results: the loss, then every parameter and state argument in order.
  std::vector<const StepTensor *> updated;
  for (const StepTensor &a : manifest.arguments)
    if (a.isCarried())
      updated.push_back(&a);
  bool mirrors = manifest.results.size() == updated.size() + 1 &&
                 manifest.results[0].role == "loss";
  for (size_t i = 0; mirrors && i < updated.size(); ++i)
    mirrors = sameTensor(manifest.results[i + 1], *updated[i]);
  if (!mirrors)
    return Status::error("step manifest: the results are not the loss followed by the "
                         "updated parameters and state");
  return manifest;
}

CompiledStep::CompiledStep(StepManifest manifest, Entry entry)
    : manifest_(std::move(manifest)), entry_(entry), owned_(manifest_.arguments.size()) {
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].isCarried())
      owned_[i].assign(manifest_.arguments[i].elements(0), 0.0f);
}

Result<CompiledStep> CompiledStep::create(const std::string &manifestText, Entry entry) {
  Result<StepManifest> manifest = parseStepManifest(manifestText);
  if (!manifest)
    return manifest.status();
  for (const StepTensor &a : manifest->arguments)
    if (a.isCarried() && a.elements(-1) < 0)
      return Status::error("step manifest: parameter or state '" + a.name +
                           "' has a dynamic extent");
  return CompiledStep(std::move(*manifest), entry);
}

Result<double> CompiledStep::run(double step, int64_t batch,
                                 const std::vector<const void *> &batchData) {
  if (batch <= 0)
    return Status::error("the batch size must be positive");
  // Argument descriptors, contiguous row-major.
  std::vector<std::vector<int64_t>> descriptors;
  size_t nextBatchArgument = 0;
  for (size_t i = 0; i < manifest_.arguments.size(); ++i) {
    const StepTensor &a = manifest_.arguments[i];
    const void *data = owned_[i].data();
    if (a.role == "step") {
      data = &step;
    } else if (a.role == "input" || a.role == "labels") {
      if (nextBatchArgument == batchData.size())
        return Status::error("the step takes more batch tensors than were given");
      data = batchData[nextBatchArgument++];
    }
    std::vector<int64_t> d(descriptorWords(a.shape.size()));
    std::memcpy(&d[0], &data, sizeof(void *));
    std::memcpy(&d[1], &data, sizeof(void *));
    int64_t stride = 1;
    for (size_t k = a.shape.size(); k-- > 0;) {
      d[3 + k] = a.shape[k] < 0 ? batch : a.shape[k];
      d[3 + a.shape.size() + k] = stride;
      stride *= d[3 + k];
    }
    descriptors.push_back(std::move(d));
  }
  if (nextBatchArgument != batchData.size())
    return Status::error("the step takes fewer batch tensors than were given");
  // The results struct: the descriptors one after another (all 8-byte words).
  std::vector<size_t> resultOffset;
  size_t words = 0;
  for (const StepTensor &r : manifest_.results) {
    resultOffset.push_back(words);
    words += descriptorWords(r.shape.size());
  }
  std::vector<int64_t> results(words, 0);
  std::vector<void *> args = {results.data()};
  for (std::vector<int64_t> &d : descriptors)
    args.push_back(d.data());
  entry_(args.data());

  // Check every result, read them all into fresh buffers (a result may
  // share memory with an argument the step updated in place), then free
  // each buffer the step allocated exactly once (results may share one;
  // none may be one of ours).
  std::set<void *> allocated;
  auto pointerAt = [&](size_t word) {
    void *p;
    std::memcpy(&p, &results[word], sizeof(void *));
    return p;
  };
  Status status = Status::ok();
  for (size_t k = 0; k < manifest_.results.size(); ++k) {
    const StepTensor &r = manifest_.results[k];
    allocated.insert(pointerAt(resultOffset[k]));
    for (size_t j = 0; j < r.shape.size(); ++j)
      if (results[resultOffset[k] + 3 + j] != r.shape[j] && status.isOk())
        status = Status::error("the compiled step returned " + r.role + " '" + r.name +
                               "' with a different shape than its manifest");
  }
  double loss = 0;
  std::vector<std::vector<float>> updated;
  for (size_t k = 0; status.isOk() && k < manifest_.results.size(); ++k) {
    const int64_t *d = &results[resultOffset[k]];
    const char *base = static_cast<const char *>(pointerAt(resultOffset[k] + 1));
    int64_t bytes = dtypeBytes(manifest_.results[k].dtype);
    if (k == 0) {
      const char *p = base + d[2] * bytes;
      loss = bytes == 8 ? *reinterpret_cast<const double *>(p) : *reinterpret_cast<const float *>(p);
      continue;
    }
    size_t rank = manifest_.results[k].shape.size();
    std::vector<float> &out = updated.emplace_back(manifest_.results[k].elements(0));
    for (size_t flat = 0; flat < out.size(); ++flat) {
      int64_t offset = d[2], rest = static_cast<int64_t>(flat);
      for (size_t j = rank; j-- > 0;) {
        offset += (rest % d[3 + j]) * d[3 + rank + j];
        rest /= d[3 + j];
      }
      out[flat] = reinterpret_cast<const float *>(base)[offset];
    }
  }
  for (void *p : allocated) {
    bool ours = false;
    for (const std::vector<int64_t> &d : descriptors) {
      void *argument;
      std::memcpy(&argument, &d[0], sizeof(void *));
      ours |= argument == p;
    }
    if (!ours)
      std::free(p);
  }
  if (!status.isOk())
    return status;
  // Result k > 0 is the new value of the (k-1)-th parameter or state.
  size_t next = 0;
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].isCarried())
      std::copy(updated[next].begin(), updated[next].end(), owned_[i].begin()), ++next;
  return loss;
}
