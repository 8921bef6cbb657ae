//===- CompiledStep.h - Drive a compiled training step --------------------===//
//
// A model compiled by `lipc --emit=obj` exports its training step as
// `lipc_train_step(void **args)` and its forward pass as
// `lipc_forward(void **args)`, and describes both in the JSON string
// `lipc_manifest` (compiler/include/lipc/Driver/StepManifest.h). This class
// reads the manifest, owns the parameters and optimizer state (float32,
// row-major), builds the memref descriptors the step takes, calls it, and
// takes the new parameters and state back, releasing what the step allocated
// (a CPU step allocates from the step arena, liprt/StepArena.h).
// One runtime drives any model this way. A resident step (the GPU build)
// keeps the parameters and state where it runs and swaps in each call's
// results, copying values to the host only when they are read; its scalar
// arguments (the step count, the schedule's overrides) are staged there
// with the batch. Where the memory records graphs (CUDA graphs), the second
// step at a batch size is recorded once, with copies of the new parameters
// and state into their resident buffers at its end, and every later step at
// that size replays it: one launch, no host code of the step.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_COMPILEDSTEP_H
#define LIPRT_COMPILEDSTEP_H

#include "liprt/StepManifest.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace liprt {
namespace detail {
struct PackedResults; // CompiledStep.cpp
struct CapturedStep;  // CompiledStep.cpp
} // namespace detail

/// What one training step reports.
struct StepOutcome {
  double loss;
  double lr; // the schedule's base learning rate at this step
};

/// Recording the work a step queues as a graph, and replaying it (CUDA
/// graphs); all null where the memory cannot.
struct StepGraphs {
  /// Starts recording: work queued from now on is recorded, not run.
  bool (*begin)() = nullptr;
  /// Ends the recording: the graph, or null with the reason in `why`.
  void *(*end)(std::string &why) = nullptr;
  /// Queues the graph's work again (false when it could not).
  bool (*launch)(void *graph) = nullptr;
  /// Frees the graph after its work finished.
  void (*drop)(void *graph) = nullptr;
  bool usable() const { return begin && end && launch && drop; }
};

/// Memory for a step whose parameters and state stay where it runs between
/// calls: GPU device memory for the GPU build, the step arena for a CPU
/// step. `release` frees what `allocate` gave and what the step itself
/// allocated for its results (the same allocator in both cases). Values
/// cross between it and the host only through the copies.
struct StepMemory {
  void *(*allocate)(size_t bytes) = nullptr; // null on failure
  void (*release)(void *) = nullptr;
  void (*toDevice)(void *memory, const void *host, size_t bytes) = nullptr;
  void (*toHost)(void *host, const void *memory, size_t bytes) = nullptr;
  void (*within)(void *to, const void *from, size_t bytes) = nullptr;
  /// Plain host memory: batches are read where they are instead of staged
  /// into this memory first, and values are read in place.
  bool host = false;
  StepGraphs graphs;
};

class CompiledStep {
public:
  using Entry = void (*)(void **);

  /// Highest tensor rank the runtime passes (descriptors are fixed-size).
  static constexpr int64_t kMaxRank = kMaxTensorRank;

  /// `forward` may be null when the manifest describes none.
  static Result<CompiledStep> create(const std::string &manifestText, Entry entry,
                                     Entry forward = nullptr);

  const StepManifest &manifest() const { return manifest_; }

  /// The values of parameter or state argument `argument` (zeros at first;
  /// the storage stays the same across steps), to read or change; a resident
  /// step sends them again before its next call.
  std::vector<float> &tensor(size_t argument);
  /// The same values, read only (a resident step copies them back once after
  /// each call, on the first read).
  const std::vector<float> &values(size_t argument) const;
  /// Whether every parameter and state value is finite, read in place when
  /// they are resident in host memory (no copy), else through values().
  bool carriedFinite() const;

  /// Runs one step at `step` on a batch of `batch` samples; `batchData`
  /// points at the data of every input and labels argument, in argument
  /// order, each laid out as its manifest shape with the batch extent
  /// `batch`. Returns the loss and learning rate; the parameters and state
  /// are updated.
  Result<StepOutcome> run(double step, int64_t batch, const std::vector<const void *> &batchData);

  /// The schedule of the following steps: every learning rate times
  /// `lrScale` (at most the manifest's maxLrScale), over `horizon` steps
  /// (more than the warm-up). Defaults: 1 and the spec's steps.
  Status setScheduleOverrides(double lrScale, int64_t horizon);
  double lrScale() const { return lrScale_; }
  int64_t horizon() const { return static_cast<int64_t>(horizon_); }

  /// From now on runs `train` and `forward` with the parameters and optimizer
  /// state kept in `memory` between calls: each step takes the new values the
  /// call returns as they are, only the batch goes in and the loss and
  /// learning rate (or the logits) come out.
  Status keepResident(StepMemory memory, Entry train, Entry forward);
  /// keepResident in GPU device memory with the GPU build's entry points;
  /// fails when no GPU is usable or cuBLAS is missing.
  Status useGpu(Entry train, Entry forward);
  /// keepResident in the step arena with this step's own entry points: on
  /// the CPU, each step's new parameters and state are the buffers it
  /// returned (no copy per step).
  Status keepResidentInArena();
  bool onGpu() const { return gpu_; }
  /// Runs every step through its host code from now on, without recording
  /// graphs (a data-parallel step's collectives are not recorded).
  void withoutGraphs();
  /// Whether steps may still be recorded as graphs.
  bool graphsOn() const { return graphs_; }
  /// Whether the next step at `batch` replays a recorded graph.
  bool replaysAt(int64_t batch) const;

  /// The logits of the current parameters on a batch; `inputs` as for run,
  /// without labels. Row-major, the manifest's logits shape.
  Result<std::vector<float>> forward(int64_t batch, const std::vector<const void *> &inputs);

private:
  using Buffer = std::unique_ptr<void, void (*)(void *)>;

  CompiledStep(StepManifest manifest, Entry entry, Entry forward);

  /// Calls `entry` with `arguments` (data[i] for argument i) and copies each
  /// result out as f32 (f64 results are rounded), freeing what the call
  /// allocated; result k with adopt[k] = i >= 0 instead becomes the resident
  /// buffer of argument i (its values are not read).
  Result<std::vector<std::vector<float>>> invoke(Entry entry,
                                                 const std::vector<StepTensor> &arguments,
                                                 const std::vector<const void *> &data,
                                                 const std::vector<StepTensor> &results,
                                                 int64_t batch, const std::vector<int> &adopt = {});

  /// Makes the results that `adopt` names (result k -> argument adopt[k])
  /// the resident buffers of their arguments: a result's own dense buffer
  /// is taken as it is (and added to `taken`), a shared one copied.
  Status adoptResults(const detail::PackedResults &packed, const std::vector<StepTensor> &results,
                      const std::vector<const void *> &data, int64_t batch,
                      const std::vector<int> &adopt, std::set<void *> &taken);

  /// Records the step over `data` at `batch` as a graph that ends with
  /// copies of the new parameters and state into their resident buffers;
  /// false, with a warning, when the memory could not record it (no graphs
  /// from then on).
  Result<bool> capture(const std::vector<const void *> &data, int64_t batch);
  /// Launches the recorded step: its loss and learning rate.
  Result<StepOutcome> replay();

  /// `bytes` from `host` in the resident memory's scratch buffer `slot`.
  Result<const void *> stage(size_t slot, const void *host, size_t bytes);
  /// Sends the host's values of the carried arguments to their resident buffers.
  Status sendCarried();
  /// Copies the resident values back to the host.
  void fetchCarried() const;

  StepManifest manifest_;
  Entry entry_, forward_;
  double lrScale_ = 1, horizon_; // the step's lr_scale and horizon arguments
  /// Parameter and state values by argument index (empty for the others);
  /// for a resident step, a copy fetched when read.
  mutable std::vector<std::vector<float>> owned_;
  bool gpu_ = false, resident_ = false;
  StepMemory memory_;
  /// The resident parameters and state by argument index, and scratch
  /// buffers for the other arguments by slot.
  std::vector<Buffer> residentBuffers_, scratch_;
  std::vector<size_t> scratchBytes_;
  mutable bool residentNewer_ = false; // the resident buffers hold newer values than owned_
  bool hostNewer_ = true;              // owned_ may hold newer values than the resident buffers
  /// The recorded step, with the results it writes (null: none).
  std::unique_ptr<detail::CapturedStep, void (*)(detail::CapturedStep *)> captured_;
  int64_t lastBatch_ = 0; // the batch of the last step run through its host code
  bool graphs_ = true;    // whether steps may be recorded as graphs
};

} // namespace liprt

#endif // LIPRT_COMPILEDSTEP_H
