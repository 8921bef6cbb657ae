//===- Model.cpp - The compiled model, its data and its checkpoints -------===//

#include "Model.h"

#include "liprt/Cuda.h"
#include "liprt/Data.h"
#include "liprt/Evaluate.h"
#include "liprt/OneDnn.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

using namespace liprt;

int main::fail(const char *program, const std::string &message, int code) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
  return code;
}

double main::certifiedBound() {
  Result<json::Json> report = json::parse(lipc_bounds_json);
  const json::Json *bound = report ? json::member(*report, "lipschitz_bound") : nullptr;
  return bound && bound->is_number() ? bound->get<double>() : NAN;
}

main::EvalCertificate main::evalCertificate() {
  EvalCertificate c;
  Result<json::Json> parsed = json::parse(lipc_eval_certificate_json);
  if (!parsed)
    return c;
  const json::Json *tolerance = json::member(*parsed, "weight_tolerance"),
                   *bound = json::member(*parsed, "bound"),
                   *depends = json::member(*parsed, "depends_on_input_rms");
  if (tolerance && tolerance->is_number())
    c.weightTolerance = tolerance->get<double>();
  if (bound && bound->is_number())
    c.bound = bound->get<double>();
  if (depends && depends->is_boolean())
    c.dependsOnInputRms = depends->get<bool>();
  return c;
}

std::string main::weightOutsideCertificate(CompiledStep &model, double tolerance) {
  for (const WeightCheck &c : checkCertifiedWeights(model))
    if (!c.within(tolerance)) {
      char text[160];
      std::snprintf(text, sizeof(text), "has norm up to %.6g, above the %.6g the certificate assumes",
                    c.measured, c.guaranteed);
      return "weight '" + c.name + "' " + text;
    }
  return "";
}

const StepTensor *main::modelInput(const CompiledStep &model) {
  const StepTensor *input = nullptr;
  for (const StepTensor &t : model.manifest().arguments)
    if (t.role == Role::Input)
      input = input ? nullptr : &t;
  return input;
}

namespace {
/// The checkpoint name of a parameter ("out") or its state ("out.momentum").
std::string checkpointName(const StepTensor &t) {
  return t.role == Role::Param ? t.name : t.name + "." + t.state;
}
} // namespace

namespace {
Result<Examples> examplesFor(const CompiledStep &model, const std::string &path) {
  const StepManifest &m = model.manifest();
  const StepTensor *input = main::modelInput(model);
  if (!input || !m.hasForward())
    return Status::error("this binary's model does not take exactly one input");
  return liprt::loadExamples(*input, m.forwardResults[0].shape.back(), m.train, path);
}
} // namespace

Result<CompiledStep> main::loadModel() {
  return CompiledStep::create(lipc_manifest, lipc_train_step, lipc_forward);
}

Status main::useDevice(CompiledStep &model, const std::string &device, const char *program) {
  if (Status choices = onednn::checkChoices(); !choices)
    return choices;
  // LIPRT_CUDA_GRAPHS=off runs every GPU step through its host code (to
  // compare with the recorded graph, or to rule it out).
  const char *graphs = std::getenv("LIPRT_CUDA_GRAPHS");
  if (graphs && std::string(graphs) != "auto" && std::string(graphs) != "off")
    return Status::error("LIPRT_CUDA_GRAPHS is \"" + std::string(graphs) + "\": it takes auto or off");
  if (device == "cpu" || (device == "auto" && !lipc_gpu_train_step))
    return model.keepResidentInArena();
  Status gpu = model.useGpu(lipc_gpu_train_step, lipc_gpu_forward);
  if (gpu.isOk()) {
    if (graphs && std::string(graphs) == "off")
      model.withoutGraphs();
    std::fprintf(stderr, "%s: running on %s%s\n", program, cuda::probe().device.c_str(),
                 model.graphsOn() ? "" : " (LIPRT_CUDA_GRAPHS=off: no CUDA graphs)");
    return gpu;
  }
  if (device == "cuda")
    return gpu;
  std::fprintf(stderr, "%s: %s; running on the CPU\n", program, gpu.message().c_str());
  return model.keepResidentInArena();
}

Result<main::ModelAndData> main::loadModelAndData(const std::string &path) {
  Result<CompiledStep> model = loadModel();
  if (!model)
    return model.status();
  Result<Examples> examples = examplesFor(*model, path);
  if (!examples)
    return examples.status();
  if (int64_t clipped = examples->clippedCount())
    std::printf("note: %lld example%s had a token of RMS above the input's bound and %s scaled "
                "onto it (clip = true)\n",
                static_cast<long long>(clipped), clipped == 1 ? "" : "s",
                clipped == 1 ? "was" : "were");
  return ModelAndData{std::move(*model), std::move(*examples)};
}

Checkpoint main::trainingCheckpoint(CompiledStep &model, const Examples &examples,
                                    int64_t steps) {
  Checkpoint c;
  for (size_t i = 0; i < model.manifest().arguments.size(); ++i) {
    const StepTensor &t = model.manifest().arguments[i];
    if (!t.isCarried())
      continue;
    const std::vector<float> &v = model.values(i);
    c.tensors[checkpointName(t)] = {DType::F32, t.shape, std::vector<double>(v.begin(), v.end())};
  }
  c.metadata["spec_hash"] = lipc_spec_hash;
  c.metadata["manifest"] = lipc_manifest;
  c.metadata["bounds"] = lipc_bounds_json;
  setTrainingMetadata(c, {steps, examples.isText() ? examples.vocabulary() : std::string(),
                          model.lrScale(), model.horizon()});
  return c;
}

namespace {
/// What this model's checkpoints must be.
CheckpointSchema schemaOf(const CompiledStep &model) {
  const StepManifest &m = model.manifest();
  CheckpointSchema schema;
  schema.specHash = lipc_spec_hash;
  for (const StepTensor &t : m.arguments)
    if (t.isCarried())
      schema.shapes[checkpointName(t)] = t.shape;
  // A model of tokens was trained on text: its vocabulary, one byte per
  // class at most, is in the checkpoint.
  const StepTensor *input = main::modelInput(model);
  if (input && input->dtype == "i32" && m.hasForward())
    schema.vocabularyLimit = m.forwardResults[0].shape.back();
  return schema;
}
} // namespace

Result<TrainingMetadata> main::loadTrainingState(CompiledStep &model, const std::string &path) {
  Result<Checkpoint> c = liprt::loadCheckpoint(path);
  if (!c)
    return c.status();
  Result<TrainingMetadata> training = checkCompatible(*c, schemaOf(model));
  if (!training)
    return Status::error("'" + path + "': " + training.status().message());
  for (size_t i = 0; i < model.manifest().arguments.size(); ++i)
    if (model.manifest().arguments[i].isCarried()) {
      const std::vector<double> &v = c->tensors[checkpointName(model.manifest().arguments[i])].values;
      std::copy(v.begin(), v.end(), model.tensor(i).begin());
    }
  return training;
}

Result<TrainingMetadata> main::loadTrainingState(CompiledStep &model, const Examples &examples,
                                        const std::string &path) {
  Result<TrainingMetadata> training = loadTrainingState(model, path);
  if (!training)
    return training.status();
  if (examples.isText() && training->vocabulary != examples.vocabulary())
    return Status::error("'" + path + "' was trained on text with another vocabulary (" +
                         std::to_string(training->vocabulary.size()) +
                         " bytes; this text has " +
                         std::to_string(examples.vocabulary().size()) + ")");
  return training;
}

json::Json main::logNumber(double v, int digits) {
  if (!std::isfinite(v))
    return nullptr;
  return std::strtod(fmt::format("{:.{}g}", v, digits).c_str(), nullptr);
}
