//===- MemoryEstimate.h - Whether a batch can fit in memory ---------------===//
//
// A compiled step allocates its activations on every call, in proportion to
// the batch. A batch that cannot fit must be refused before anything is
// allocated, with the sizes in the message, rather than end in
// std::bad_alloc, a null pointer in the compiled code, or the kernel's OOM
// killer.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_MEMORYESTIMATE_H
#define LIPRT_MEMORYESTIMATE_H

#include "liprt/CompiledStep.h"

namespace liprt {

/// The bytes one training step on `batch` samples needs by the manifest's
/// shapes: the parameters and optimizer state twice (the runtime's values
/// and the step's new ones), the batch's inputs and labels, its logits, and
/// at every position the output of each parameter's layer (at least the
/// parameter's smallest extent wide). Attention scores, gradients and other
/// intermediates come on top, so the estimate is short of the truth: it can
/// refuse a batch that cannot fit, never promise that one does.
double estimateStepBytes(const StepManifest &manifest, int64_t batch);

/// The machine's physical memory in bytes.
double physicalMemoryBytes();

/// An error naming both sizes when a step on `batch` samples needs more
/// than `available` bytes by the estimate.
Status checkBatchFits(const StepManifest &manifest, int64_t batch, double available);

} // namespace liprt

#endif // LIPRT_MEMORYESTIMATE_H
