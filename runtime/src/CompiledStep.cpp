//===- CompiledStep.cpp - Drive a compiled training step ------------------===//

#include "liprt/CompiledStep.h"

#include "MiniJson.h"

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <set>

using namespace liprt;

namespace {
constexpr int64_t kManifestVersion = 2;

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
  static const std::set<std::string> roles = {"param", "state",  "step", "input",
                                              "labels", "loss",  "lr",   "logits"};
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
  if ((t.role == "loss" || t.role == "logits") && t.dtype != "f32")
    return fail("the " + t.role + " must be f32");
  if ((t.role == "step" && (t.dtype != "f64" || !t.shape.empty())) ||
      ((t.role == "loss" || t.role == "lr") && !t.shape.empty()))
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

/// The "arguments" and "results" arrays of `function`.
Status parseFunction(const json::Value &function, const std::string &prefix,
                     std::vector<StepTensor> &arguments, std::vector<StepTensor> &results) {
  for (auto [key, list] : {std::pair{"arguments", &arguments}, std::pair{"results", &results}}) {
    const json::Value *array = function.get(key);
    if (!array || array->kind != json::Value::Kind::Array)
      return Status::error("step manifest: no '" + prefix + key + "' array");
    for (size_t i = 0; i < array->array.size(); ++i) {
      Result<StepTensor> t =
          parseTensor(array->array[i], prefix + key + " " + std::to_string(i));
      if (!t)
        return t.status();
      list->push_back(*t);
    }
  }
  return Status::ok();
}

/// The forward pass takes the step's parameters and inputs, in order, and
/// returns logits.
Status checkForward(const StepManifest &m) {
  std::vector<StepTensor> expected;
  for (const StepTensor &a : m.arguments)
    if (a.role == "param")
      expected.push_back(a);
  for (const StepTensor &a : m.arguments)
    if (a.role == "input")
      expected.push_back(a);
  bool same = expected.size() == m.forwardArguments.size();
  for (size_t i = 0; same && i < expected.size(); ++i)
    same = sameTensor(expected[i], m.forwardArguments[i]);
  if (!same)
    return Status::error("step manifest: the forward arguments are not the step's parameters "
                         "and inputs");
  if (m.forwardResults.size() != 1 || m.forwardResults[0].role != "logits")
    return Status::error("step manifest: the forward pass must return one logits tensor");
  return Status::ok();
}

Status parseTrainDefaults(const json::Value &train, TrainDefaults &out) {
  auto fail = [](const std::string &what) {
    return Status::error("step manifest: train: " + what);
  };
  for (auto [key, field] : {std::pair{"steps", &out.steps}, std::pair{"batch", &out.batch},
                            std::pair{"seed", &out.seed}, std::pair{"eval_every", &out.evalEvery}}) {
    const json::Value *v = train.get(key);
    if (v && (!v->isInteger() || v->number < 0))
      return fail(std::string("'") + key + "' is not a count");
    if (v)
      *field = static_cast<int64_t>(v->number);
  }
  if (const json::Value *data = train.get("data")) {
    const json::Value *kind = data->get("kind"), *path = data->get("path"),
                      *split = data->get("split"), *label = data->get("label_column");
    if (!kind || kind->kind != json::Value::Kind::String ||
        (path && path->kind != json::Value::Kind::String) ||
        (split && (split->kind != json::Value::Kind::Number || !(split->number > 0) ||
                   !(split->number < 1))) ||
        (label && !label->isInteger()))
      return fail("malformed data setting");
    out.dataKind = kind->string;
    out.dataPath = path ? path->string : "";
    out.split = split ? split->number : out.split;
    out.labelColumn = label ? static_cast<int>(label->number) : out.labelColumn;
  }
  return Status::ok();
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
  if (Status s = parseFunction(*root, "", manifest.arguments, manifest.results); !s)
    return s;
  // Results: the loss, the learning rate, then every parameter and state
  // argument in order.
  std::vector<const StepTensor *> updated;
  for (const StepTensor &a : manifest.arguments)
    if (a.isCarried())
      updated.push_back(&a);
  bool mirrors = manifest.results.size() == updated.size() + 2 &&
                 manifest.results[0].role == "loss" && manifest.results[1].role == "lr";
  for (size_t i = 0; mirrors && i < updated.size(); ++i)
    mirrors = sameTensor(manifest.results[i + 2], *updated[i]);
  if (!mirrors)
    return Status::error("step manifest: the results are not the loss and the learning rate "
                         "followed by the updated parameters and state");
  if (const json::Value *forward = root->get("forward")) {
    if (Status s = parseFunction(*forward, "forward ", manifest.forwardArguments,
                                 manifest.forwardResults);
        !s)
      return s;
    if (Status s = checkForward(manifest); !s)
      return s;
  }
  if (const json::Value *train = root->get("train"))
    if (Status s = parseTrainDefaults(*train, manifest.train); !s)
      return s;
  return manifest;
}

CompiledStep::CompiledStep(StepManifest manifest, Entry entry, Entry forward)
    : manifest_(std::move(manifest)), entry_(entry), forward_(forward),
      owned_(manifest_.arguments.size()) {
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].isCarried())
      owned_[i].assign(manifest_.arguments[i].elements(0), 0.0f);
}

Result<CompiledStep> CompiledStep::create(const std::string &manifestText, Entry entry,
                                          Entry forward) {
  Result<StepManifest> manifest = parseStepManifest(manifestText);
  if (!manifest)
    return manifest.status();
  for (const StepTensor &a : manifest->arguments)
    if (a.isCarried() && a.elements(-1) < 0)
      return Status::error("step manifest: parameter or state '" + a.name +
                           "' has a dynamic extent");
  return CompiledStep(std::move(*manifest), entry, forward);
}

Result<StepOutcome> CompiledStep::run(double step, int64_t batch,
                                 const std::vector<const void *> &batchData) {
  std::vector<const void *> data;
  size_t nextBatchArgument = 0;
  for (size_t i = 0; i < manifest_.arguments.size(); ++i) {
    const std::string &role = manifest_.arguments[i].role;
    if (role == "step") {
      data.push_back(&step);
    } else if (role == "input" || role == "labels") {
      if (nextBatchArgument == batchData.size())
        return Status::error("the step takes more batch tensors than were given");
      data.push_back(batchData[nextBatchArgument++]);
    } else {
      data.push_back(owned_[i].data());
    }
  }
  if (nextBatchArgument != batchData.size())
    return Status::error("the step takes fewer batch tensors than were given");
  Result<std::vector<std::vector<float>>> results =
      invoke(entry_, manifest_.arguments, data, manifest_.results, batch);
  if (!results)
    return results.status();
  // Result k > 1 is the new value of the (k-2)-th parameter or state.
  size_t next = 2;
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].isCarried())
      owned_[i] = std::move((*results)[next++]);
  return StepOutcome{(*results)[0][0], (*results)[1][0]};
}

Status CompiledStep::useGpu(Entry train, Entry forward) {
  if (!train)
    return Status::error("this binary has no GPU code (build it with lipc compile --gpu)");
  const cuda::Availability &gpu = cuda::probe();
  if (!gpu.usable)
    return Status::error("no usable GPU: " + gpu.reason);
  entry_ = train;
  forward_ = forward;
  gpu_ = true;
  return Status::ok();
}

Result<std::vector<float>> CompiledStep::forward(int64_t batch,
                                                 const std::vector<const void *> &inputs) {
  if (!forward_ || !manifest_.hasForward())
    return Status::error("this model has no compiled forward pass");
  // The forward arguments are the step's parameters, then its inputs.
  std::vector<const void *> data;
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].role == "param")
      data.push_back(owned_[i].data());
  if (data.size() + inputs.size() != manifest_.forwardArguments.size())
    return Status::error("the forward pass takes " +
                         std::to_string(manifest_.forwardArguments.size() - data.size()) +
                         " inputs, " + std::to_string(inputs.size()) + " were given");
  data.insert(data.end(), inputs.begin(), inputs.end());
  Result<std::vector<std::vector<float>>> results =
      invoke(forward_, manifest_.forwardArguments, data, manifest_.forwardResults, batch);
  if (!results)
    return results.status();
  return std::move((*results)[0]);
}

Result<std::vector<std::vector<float>>>
CompiledStep::invoke(Entry entry, const std::vector<StepTensor> &arguments,
                     const std::vector<const void *> &data, const std::vector<StepTensor> &results,
                     int64_t batch) {
  if (batch <= 0)
    return Status::error("the batch size must be positive");
  std::vector<const void *> passed = data;
  if (gpu_) {
    if (staging_.size() < arguments.size())
      staging_.resize(arguments.size());
    for (size_t i = 0; i < arguments.size(); ++i) {
      size_t bytes = arguments[i].elements(batch) * dtypeBytes(arguments[i].dtype);
      if (Status s = staging_[i].reserve(bytes); !s.isOk())
        return s;
      std::memcpy(staging_[i].data(), data[i], bytes);
      passed[i] = staging_[i].data();
    }
  }
  // Argument descriptors, contiguous row-major.
  std::vector<std::vector<int64_t>> descriptors;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const StepTensor &a = arguments[i];
    std::vector<int64_t> d(descriptorWords(a.shape.size()));
    std::memcpy(&d[0], &passed[i], sizeof(void *));
    std::memcpy(&d[1], &passed[i], sizeof(void *));
    int64_t stride = 1;
    for (size_t k = a.shape.size(); k-- > 0;) {
      d[3 + k] = a.shape[k] < 0 ? batch : a.shape[k];
      d[3 + a.shape.size() + k] = stride;
      stride *= d[3 + k];
    }
    descriptors.push_back(std::move(d));
  }
  // The results struct: the descriptors one after another (all 8-byte words).
  std::vector<size_t> resultOffset;
  size_t words = 0;
  for (const StepTensor &r : results) {
    resultOffset.push_back(words);
    words += descriptorWords(r.shape.size());
  }
  std::vector<int64_t> packed(words, 0);
  std::vector<void *> args = {packed.data()};
  for (std::vector<int64_t> &d : descriptors)
    args.push_back(d.data());
  entry(args.data());
  Status status = gpu_ ? cuda::synchronize() : Status::ok();

  // Check every result, read them all into fresh buffers (a result may
  // share memory with an argument the call updated in place), then free
  // each buffer the call allocated exactly once (results may share one;
  // none may be one of the arguments).
  std::set<void *> allocated;
  auto pointerAt = [&](size_t word) {
    void *p;
    std::memcpy(&p, &packed[word], sizeof(void *));
    return p;
  };
  for (size_t k = 0; k < results.size(); ++k) {
    const StepTensor &r = results[k];
    allocated.insert(pointerAt(resultOffset[k]));
    for (size_t j = 0; j < r.shape.size(); ++j)
      if (packed[resultOffset[k] + 3 + j] != (r.shape[j] < 0 ? batch : r.shape[j]) &&
          status.isOk())
        status = Status::error("the compiled step returned " + r.role + " '" + r.name +
                               "' with a different shape than its manifest");
  }
  std::vector<std::vector<float>> values;
  for (size_t k = 0; status.isOk() && k < results.size(); ++k) {
    const int64_t *d = &packed[resultOffset[k]];
    const char *base = static_cast<const char *>(pointerAt(resultOffset[k] + 1));
    bool wide = results[k].dtype == "f64"; // the learning rate; read as f32
    size_t rank = results[k].shape.size();
    std::vector<float> &out = values.emplace_back(results[k].elements(batch));
    for (size_t flat = 0; flat < out.size(); ++flat) {
      int64_t offset = d[2], rest = static_cast<int64_t>(flat);
      for (size_t j = rank; j-- > 0;) {
        offset += (rest % d[3 + j]) * d[3 + rank + j];
        rest /= d[3 + j];
      }
      out[flat] = wide ? static_cast<float>(reinterpret_cast<const double *>(base)[offset])
                       : reinterpret_cast<const float *>(base)[offset];
    }
  }
  for (void *p : allocated)
    if (std::find(passed.begin(), passed.end(), p) == passed.end()) {
      if (gpu_)
        cuda::release(p);
      else
        std::free(p);
    }
  if (!status.isOk())
    return status;
  return values;
}
