//===- CompiledStep.h - Drive a compiled training step --------------------===//
//
// A model compiled by `lipc --emit=obj` exports its training step as
// `lipc_train_step(void **args)` and its forward pass as
// `lipc_forward(void **args)`, and describes both in the JSON string
// `lipc_manifest` (compiler/include/lipc/Driver/StepManifest.h). This class
// reads the manifest, owns the parameters and optimizer state (float32,
// row-major), builds the memref descriptors the step takes, calls it, and
// takes the new parameters and state back, freeing what the step allocated.
// One runtime drives any model this way.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_COMPILEDSTEP_H
#define LIPRT_COMPILEDSTEP_H

#include "liprt/Cuda.h"
#include "liprt/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace liprt {

/// One argument or result of the step, as the manifest describes it.
struct StepTensor {
  std::string role; // param | state | step | input | labels | loss | logits
  std::string name, state, dtype;
  /// -1 marks the batch extent.
  std::vector<int64_t> shape;
  std::string constraintMethod; // empty: unconstrained
  std::string norm;             // rms_to_rms | l1_to_rms, with a constraint
  double wMax = 0;

  int64_t elements(int64_t batch) const;
  /// A parameter or optimizer state: owned by the runtime, updated by every
  /// step, saved in checkpoints.
  bool isCarried() const { return role == "param" || role == "state"; }
};

/// The spec's train section: what `train` does when no option overrides it.
struct TrainDefaults {
  int64_t steps = 100, batch = 128, seed = 0;
  int64_t evalEvery = 0; // 0: evaluate at the end only
  std::string dataKind;  // text | fashion_mnist | csv, or empty
  std::string dataPath;  // as the spec wrote it; may be empty
  double split = 0.9;    // the training fraction of text and CSV data
  int labelColumn = -1;  // a CSV's class column (negative: from the end)
};

/// What one training step reports.
struct StepOutcome {
  double loss;
  double lr; // the schedule's base learning rate at this step
};

struct StepManifest {
  std::vector<StepTensor> arguments, results;
  /// The forward pass: parameters (in the step's order) and inputs in, one
  /// logits result out. Empty when the manifest has none.
  std::vector<StepTensor> forwardArguments, forwardResults;
  TrainDefaults train;

  bool hasForward() const { return !forwardResults.empty(); }
};

/// Parses and validates a manifest: the format and version lipc writes,
/// known roles and dtypes, ranks the runtime supports, results that mirror
/// the parameters and state.
Result<StepManifest> parseStepManifest(const std::string &text);

class CompiledStep {
public:
  using Entry = void (*)(void **);

  /// Highest tensor rank the runtime passes (descriptors are fixed-size).
  static constexpr int64_t kMaxRank = 4;

  /// `forward` may be null when the manifest describes none.
  static Result<CompiledStep> create(const std::string &manifestText, Entry entry,
                                     Entry forward = nullptr);

  const StepManifest &manifest() const { return manifest_; }

  /// The values of parameter or state argument `argument` (zeros at first;
  /// the storage stays the same across steps).
  std::vector<float> &tensor(size_t argument) { return owned_[argument]; }

  /// Runs one step at `step` on a batch of `batch` samples; `batchData`
  /// points at the data of every input and labels argument, in argument
  /// order, each laid out as its manifest shape with the batch extent
  /// `batch`. Returns the loss and learning rate; the parameters and state
  /// are updated.
  Result<StepOutcome> run(double step, int64_t batch, const std::vector<const void *> &batchData);

  /// Runs the GPU build's step and forward pass from now on: arguments are
  /// staged in managed memory (kept across steps), kernels run on the
  /// device, results are read back and released. Fails when no GPU is usable.
  Status useGpu(Entry train, Entry forward);
  bool onGpu() const { return gpu_; }

  /// The logits of the current parameters on a batch; `inputs` as for run,
  /// without labels. Row-major, the manifest's logits shape.
  Result<std::vector<float>> forward(int64_t batch, const std::vector<const void *> &inputs);

private:
  CompiledStep(StepManifest manifest, Entry entry, Entry forward);

  /// Calls `entry` with `arguments` (data[i] for argument i) and copies each
  /// result out as f32 (f64 results are rounded), freeing what the call
  /// allocated.
  Result<std::vector<std::vector<float>>> invoke(Entry entry,
                                                 const std::vector<StepTensor> &arguments,
                                                 const std::vector<const void *> &data,
                                                 const std::vector<StepTensor> &results,
                                                 int64_t batch);

  StepManifest manifest_;
  Entry entry_, forward_;
  bool gpu_ = false;
  /// Managed copies of the arguments for the GPU build, by argument index.
  std::vector<cuda::ManagedBuffer> staging_;
  /// Parameter and state values by argument index (empty for the others).
  std::vector<std::vector<float>> owned_;
};

} // namespace liprt

#endif // LIPRT_COMPILEDSTEP_H
