//===- StepManifest.cpp - What a compiled step takes and returns ----------===//

#include "liprt/StepManifest.h"

#include "Json.h"

#include <algorithm>
#include <optional>

using namespace liprt;

namespace {
using lipc::abi::kManifestVersion;

/// A finite number above 0.
bool positiveNumber(const json::Json &v) {
  return v.is_number() && v.get<double>() > 0 && std::isfinite(v.get<double>());
}

/// An integer of at least 0.
bool isCount(const json::Json &v) { return json::isInteger(v) && v.get<double>() >= 0; }

Result<StepTensor> parseTensor(const json::Json &v, const std::string &where) {
  auto fail = [&](const std::string &what) {
    return Status::error("step manifest: " + where + ": " + what);
  };
  if (!v.is_object())
    return fail("not an object");
  StepTensor t;
  std::string role;
  for (auto [key, field] : {std::pair{"role", &role}, std::pair{"name", &t.name},
                            std::pair{"state", &t.state}, std::pair{"dtype", &t.dtype}}) {
    const json::Json *s = json::member(v, key);
    if (s && !s->is_string())
      return fail(std::string("'") + key + "' is not a string");
    if (s)
      *field = s->get<std::string>();
  }
  std::optional<Role> known = lipc::abi::roleFromName(role);
  if (!known)
    return fail("unknown role '" + role + "'");
  t.role = *known;
  if (!dtypeBytes(t.dtype))
    return fail("unsupported dtype '" + t.dtype + "'");
  const json::Json *shape = json::member(v, "shape");
  if (!shape || !shape->is_array())
    return fail("no shape");
  if (static_cast<int64_t>(shape->size()) > kMaxTensorRank)
    return fail("rank " + std::to_string(shape->size()) + " is above the runtime's " +
                std::to_string(kMaxTensorRank));
  for (const json::Json &extent : *shape) {
    if (!json::isInteger(extent) || extent.get<double>() < -1)
      return fail("a shape extent is not a size or -1");
    t.shape.push_back(static_cast<int64_t>(extent.get<double>()));
  }
  if (t.isCarried() && t.dtype != "f32")
    return fail("parameters and state must be f32");
  if ((t.role == Role::Loss || t.role == Role::Logits) && t.dtype != "f32")
    return fail("the " + role + " must be f32");
  bool f64Scalar = t.role == Role::Step || t.role == Role::LrScale || t.role == Role::Horizon;
  if ((f64Scalar && (t.dtype != "f64" || !t.shape.empty())) ||
      ((t.role == Role::Loss || t.role == Role::Lr) && !t.shape.empty()))
    return fail("the " + role + " must be a scalar" + (f64Scalar ? " f64" : ""));
  if (const json::Json *c = json::member(v, "constraint")) {
    const json::Json *method = json::member(*c, "method"), *wMax = json::member(*c, "w_max"),
                     *norm = json::member(*c, "norm");
    if (!method || !method->is_string() || !wMax || !wMax->is_number() || !norm ||
        (*norm != "rms_to_rms" && *norm != "l1_to_rms"))
      return fail("malformed constraint");
    t.constraintMethod = method->get<std::string>();
    t.norm = norm->get<std::string>();
    t.wMax = wMax->get<double>();
    if (const json::Json *guaranteed = json::member(*c, "guaranteed_norm")) {
      if (!positiveNumber(*guaranteed))
        return fail("malformed guaranteed_norm");
      t.guaranteedNorm = guaranteed->get<double>();
    }
  }
  if (const json::Json *rms = json::member(v, "rms_bound")) {
    if (!positiveNumber(*rms))
      return fail("malformed rms_bound");
    t.rmsBound = rms->get<double>();
  }
  if (const json::Json *init = json::member(v, "init")) {
    if (*init != "zero" || t.role != Role::Param)
      return fail("'init' is \"zero\" on a parameter or absent");
    t.zeroInit = true;
  }
  return t;
}

bool sameTensor(const StepTensor &a, const StepTensor &b) {
  return a.role == b.role && a.name == b.name && a.state == b.state && a.dtype == b.dtype &&
         a.shape == b.shape;
}

/// The "arguments" and "results" arrays of `function`.
Status parseFunction(const json::Json &function, const std::string &prefix,
                     std::vector<StepTensor> &arguments, std::vector<StepTensor> &results) {
  for (auto [key, list] : {std::pair{"arguments", &arguments}, std::pair{"results", &results}}) {
    const json::Json *array = json::member(function, key);
    if (!array || !array->is_array())
      return Status::error("step manifest: no '" + prefix + key + "' array");
    for (size_t i = 0; i < array->size(); ++i) {
      Result<StepTensor> t = parseTensor((*array)[i], prefix + key + " " + std::to_string(i));
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
    if (a.role == Role::Param)
      expected.push_back(a);
  for (const StepTensor &a : m.arguments)
    if (a.role == Role::Input)
      expected.push_back(a);
  bool same = expected.size() == m.forwardArguments.size();
  for (size_t i = 0; same && i < expected.size(); ++i)
    same = sameTensor(expected[i], m.forwardArguments[i]);
  if (!same)
    return Status::error("step manifest: the forward arguments are not the step's parameters "
                         "and inputs");
  if (m.forwardResults.size() != 1 || m.forwardResults[0].role != Role::Logits)
    return Status::error("step manifest: the forward pass must return one logits tensor");
  return Status::ok();
}

Status parseTrainDefaults(const json::Json &train, TrainDefaults &out) {
  auto fail = [](const std::string &what) {
    return Status::error("step manifest: train: " + what);
  };
  for (auto [key, field] : {std::pair{"steps", &out.steps}, std::pair{"batch", &out.batch},
                            std::pair{"seed", &out.seed}, std::pair{"eval_every", &out.evalEvery}}) {
    const json::Json *v = json::member(train, key);
    if (v && !isCount(*v))
      return fail(std::string("'") + key + "' is not a count");
    if (v)
      *field = static_cast<int64_t>(v->get<double>());
  }
  if (const json::Json *warmup = json::member(train, "warmup")) {
    if (!isCount(*warmup))
      return fail("'warmup' is not a count");
    out.warmup = static_cast<int64_t>(warmup->get<double>());
  }
  if (const json::Json *lr = json::member(train, "lr")) {
    if (!positiveNumber(*lr))
      return fail("'lr' is not a positive number");
    out.lr = lr->get<double>();
  }
  if (const json::Json *schedule = json::member(train, "schedule")) {
    if (!schedule->is_string())
      return fail("'schedule' is not a name");
    out.schedule = schedule->get<std::string>();
  }
  if (const json::Json *precision = json::member(train, "precision")) {
    std::optional<lipc::abi::ProductPrecision> products =
        precision->is_string() ? lipc::abi::precisionFromName(precision->get<std::string>()) : std::nullopt;
    if (!products)
      return fail("'precision' is not fp32, bf16 or tf32");
    out.products = *products;
  }
  if (const json::Json *data = json::member(train, "data")) {
    const json::Json *kind = json::member(*data, "kind"), *path = json::member(*data, "path"),
                     *split = json::member(*data, "split"),
                     *label = json::member(*data, "label_column"),
                     *scale = json::member(*data, "scale"), *clip = json::member(*data, "clip");
    if (!kind || !kind->is_string() || (path && !path->is_string()) ||
        (split && !(positiveNumber(*split) && split->get<double>() < 1)) ||
        (label && !json::isInteger(*label)) || (scale && !positiveNumber(*scale)) ||
        (clip && !clip->is_boolean()))
      return fail("malformed data setting");
    out.dataKind = kind->get<std::string>();
    out.dataPath = path ? path->get<std::string>() : "";
    out.split = split ? split->get<double>() : out.split;
    out.labelColumn = label ? static_cast<int>(label->get<double>()) : out.labelColumn;
    out.featureScale = scale ? scale->get<double>() : out.featureScale;
    out.clipToRmsBound = clip && clip->get<bool>();
  }
  return Status::ok();
}
} // namespace

int64_t liprt::dtypeBytes(const std::string &dtype) {
  return dtype == "f64" ? 8 : dtype == "f32" || dtype == "i32" ? 4 : 0;
}

int64_t StepTensor::elements(int64_t batch) const {
  int64_t n = 1;
  for (int64_t extent : shape)
    n *= extent < 0 ? batch : extent;
  return n;
}

int64_t StepTensor::bytes(int64_t batch) const { return elements(batch) * dtypeBytes(dtype); }

Result<StepManifest> liprt::parseStepManifest(const std::string &text) {
  Result<json::Json> root = json::parse(text);
  if (!root)
    return Status::error("step manifest: " + root.status().message());
  const json::Json *format = json::member(*root, "format"),
                   *version = json::member(*root, "version");
  if (!format || *format != lipc::abi::kManifestFormat)
    return Status::error("step manifest: not a lipc step manifest");
  if (!version || !json::isInteger(*version) || version->get<double>() != kManifestVersion)
    return Status::error("step manifest: version " +
                         (version && json::isInteger(*version)
                              ? std::to_string(static_cast<int64_t>(version->get<double>()))
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
                 manifest.results[0].role == Role::Loss && manifest.results[1].role == Role::Lr;
  for (size_t i = 0; mirrors && i < updated.size(); ++i)
    mirrors = sameTensor(manifest.results[i + 2], *updated[i]);
  if (!mirrors)
    return Status::error("step manifest: the results are not the loss and the learning rate "
                         "followed by the updated parameters and state");
  if (const json::Json *forward = json::member(*root, "forward")) {
    if (Status s = parseFunction(*forward, "forward ", manifest.forwardArguments,
                                 manifest.forwardResults);
        !s)
      return s;
    if (Status s = checkForward(manifest); !s)
      return s;
  }
  if (const json::Json *maxScale = json::member(*root, "max_lr_scale")) {
    if (!positiveNumber(*maxScale))
      return Status::error("step manifest: 'max_lr_scale' is not a positive number");
    manifest.maxLrScale = maxScale->get<double>();
  }
  if (const json::Json *train = json::member(*root, "train"))
    if (Status s = parseTrainDefaults(*train, manifest.train); !s)
      return s;
  return manifest;
}

bool StepManifest::takesScheduleOverrides() const {
  auto has = [&](Role role) {
    return std::any_of(arguments.begin(), arguments.end(),
                       [&](const StepTensor &t) { return t.role == role; });
  };
  return has(Role::LrScale) && has(Role::Horizon);
}
