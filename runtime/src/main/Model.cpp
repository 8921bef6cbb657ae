//===- Model.cpp - The compiled model, its data and its checkpoints -------===//

#include "Model.h"

#include "liprt/Checkpoint.h"
#include "liprt/Cuda.h"
#include "liprt/Data.h"

#include "../MiniJson.h"

#include <cmath>
#include <map>

using namespace liprt;

int main::fail(const char *program, const std::string &message, int code) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
  return code;
}

double main::certifiedBound() {
  Result<json::Value> report = json::parse(lipc_bounds_json);
  const json::Value *bound = report ? report->get("lipschitz_bound") : nullptr;
  return bound && bound->kind == json::Value::Kind::Number ? bound->number : NAN;
}

namespace {
/// The model's (single) input.
const StepTensor *modelInput(const CompiledStep &model) {
  const StepTensor *input = nullptr;
  for (const StepTensor &t : model.manifest().arguments)
    if (t.role == "input")
      input = input ? nullptr : &t;
  return input;
}

/// The checkpoint name of a parameter ("out") or its state ("out.momentum").
std::string checkpointName(const StepTensor &t) {
  return t.role == "param" ? t.name : t.name + "." + t.state;
}
} // namespace

namespace {
Result<Examples> examplesFor(const CompiledStep &model, const std::string &path) {
  const StepManifest &m = model.manifest();
  const StepTensor *input = modelInput(model);
  if (!input || !m.hasForward())
    return Status::error("this binary's model does not take exactly one input");
  return liprt::loadExamples(*input, m.forwardResults[0].shape.back(), m.train, path);
}
} // namespace

Result<CompiledStep> main::loadModel() {
  return CompiledStep::create(lipc_manifest, lipc_train_step, lipc_forward);
}

Status main::useDevice(CompiledStep &model, const std::string &device, const char *program) {
  if (device == "cpu" || (device == "auto" && !lipc_gpu_train_step))
    return Status::ok();
  Status gpu = model.useGpu(lipc_gpu_train_step, lipc_gpu_forward);
  if (gpu.isOk()) {
    std::fprintf(stderr, "%s: running on %s\n", program, cuda::probe().device.c_str());
    return gpu;
  }
  if (device == "cuda")
    return gpu;
  std::fprintf(stderr, "%s: %s; running on the CPU\n", program, gpu.message().c_str());
  return Status::ok();
}

Result<main::ModelAndData> main::loadModelAndData(const std::string &path) {
  Result<CompiledStep> model = loadModel();
  if (!model)
    return model.status();
  Result<Examples> examples = examplesFor(*model, path);
  if (!examples)
    return examples.status();
  return ModelAndData{std::move(*model), std::move(*examples)};
}

Status main::saveTrainingState(CompiledStep &model, const Examples &examples, int64_t steps,
                               const std::string &path) {
  Checkpoint c;
  for (size_t i = 0; i < model.manifest().arguments.size(); ++i) {
    const StepTensor &t = model.manifest().arguments[i];
    if (!t.isCarried())
      continue;
    const std::vector<float> &v = model.values(i);
    c.tensors[checkpointName(t)] = {DType::F32, t.shape, std::vector<double>(v.begin(), v.end())};
  }
  c.metadata["step"] = std::to_string(steps);
  c.metadata["spec_hash"] = lipc_spec_hash;
  c.metadata["manifest"] = lipc_manifest;
  c.metadata["bounds"] = lipc_bounds_json;
  if (examples.isText())
    c.metadata["vocabulary"] = examples.vocabulary();
  return liprt::saveCheckpoint(c, path);
}

Result<main::TrainingState> main::loadTrainingState(CompiledStep &model, const std::string &path) {
  Result<Checkpoint> c = liprt::loadCheckpoint(path);
  if (!c)
    return c.status();
  std::map<std::string, std::vector<int64_t>> expected;
  for (const StepTensor &t : model.manifest().arguments)
    if (t.isCarried())
      expected[checkpointName(t)] = t.shape;
  if (Status s = checkCompatible(*c, lipc_spec_hash, expected); !s)
    return Status::error("'" + path + "': " + s.message());
  auto at = c->metadata.find("step");
  char *end = nullptr;
  long long steps = at == c->metadata.end() ? -1 : std::strtoll(at->second.c_str(), &end, 10);
  if (steps < 0 || !end || *end)
    return Status::error("'" + path + "': no valid step count in the checkpoint's metadata");
  for (size_t i = 0; i < model.manifest().arguments.size(); ++i)
    if (model.manifest().arguments[i].isCarried()) {
      const std::vector<double> &v = c->tensors[checkpointName(model.manifest().arguments[i])].values;
      std::copy(v.begin(), v.end(), model.tensor(i).begin());
    }
  TrainingState state;
  state.step = static_cast<int64_t>(steps);
  if (auto vocabulary = c->metadata.find("vocabulary"); vocabulary != c->metadata.end())
    state.vocabulary = vocabulary->second;
  return state;
}

Result<int64_t> main::loadTrainingState(CompiledStep &model, const Examples &examples,
                                        const std::string &path) {
  Result<TrainingState> state = loadTrainingState(model, path);
  if (!state)
    return state.status();
  if (examples.isText() && !state->vocabulary.empty() &&
      state->vocabulary != examples.vocabulary())
    return Status::error("'" + path + "' was trained on text with another vocabulary (" +
                         std::to_string(state->vocabulary.size()) +
                         " characters; this text has " +
                         std::to_string(examples.vocabulary().size()) + ")");
  return state->step;
}
