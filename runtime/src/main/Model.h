//===- Model.h - What `lipc compile` links into every model binary --------===//
//
// The symbols of the model's object (lipc --emit=obj) and the helpers the
// binary's commands share: the compiled model, its data, its checkpoints.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_MAIN_MODEL_H
#define LIPRT_MAIN_MODEL_H

#include "liprt/Checkpoint.h"
#include "liprt/CompiledStep.h"
#include "liprt/Examples.h"

#include "../Json.h"

#include "lipc_abi.h" // the symbols a compiled model defines

#include <cstdio>
#include <string>

namespace liprt::main {

/// Exit codes, in the usage text and the README.
constexpr int kOk = 0, kBadInput = 1, kUsage = 2, kDiverged = 4;

/// Prints "program: message" to stderr and returns `code`.
int fail(const char *program, const std::string &message, int code = kBadInput);


/// The certified bound from the embedded report (NaN when not certified).
double certifiedBound();

/// The model's input, or null unless it has exactly one.
const StepTensor *modelInput(const CompiledStep &model);

/// What `lipc compile` computed for certifying measured weights
/// (lipc::EvalCertificate): the bound with every certified norm at
/// `weightTolerance` above its guarantee (NaN when not certified), and
/// whether it holds only for inputs within the input's RMS bound.
struct EvalCertificate {
  double weightTolerance = 0;
  double bound = NAN;
  bool dependsOnInputRms = true;
};
EvalCertificate evalCertificate();

/// Empty when every weight of a certified constraint method is measured
/// (rigorously, liprt::checkCertifiedWeights) within `tolerance` of the
/// norm the bound assumes; otherwise the first that is not, as "weight 'W'
/// has norm up to ...". Projections never leave such a weight: only a
/// checkpoint can.
std::string weightOutsideCertificate(CompiledStep &model, double tolerance);

/// The compiled model: its training step and forward pass, with zero
/// parameters.
Result<CompiledStep> loadModel();

/// Moves `model` to the GPU for --device cuda, or for auto when the binary
/// has GPU code and a GPU is usable; auto without a usable GPU prints why in
/// one line (stderr) and stays on the CPU.
Status useDevice(CompiledStep &model, const std::string &device, const char *program);

/// The compiled model and the training and held-out examples at `path` (empty: the
/// spec's data) in its layout: a text corpus for a model of tokens; a
/// directory of Fashion-MNIST IDX files (train-* to train, t10k-* held out)
/// or a CSV file (split as the spec says) for a model of features.
struct ModelAndData {
  CompiledStep model;
  Examples examples;
};
Result<ModelAndData> loadModelAndData(const std::string &path);

/// The parameters and optimizer state after `steps` steps, as a checkpoint:
/// with the spec hash, the manifest, the bound report and, for text, the
/// vocabulary.
Checkpoint trainingCheckpoint(CompiledStep &model, const Examples &examples, int64_t steps);

/// Loads parameters and state from a checkpoint of this model, every part of
/// it checked against the model (liprt::checkCompatible).
Result<TrainingMetadata> loadTrainingState(CompiledStep &model, const std::string &path);

/// Loads a checkpoint to go on with `examples`: for text, the checkpoint's
/// vocabulary must be theirs. Returns what it records (its step, the run's
/// schedule overrides).
Result<TrainingMetadata> loadTrainingState(CompiledStep &model, const Examples &examples,
                                  const std::string &path);

/// `v` for JSON output: rounded to `digits` significant digits (9 print a
/// float exactly), null when not finite (JSON has no NaN or infinity).
json::Json logNumber(double v, int digits = 9);

} // namespace liprt::main

#endif // LIPRT_MAIN_MODEL_H
