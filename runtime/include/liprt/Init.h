//===- Init.h - Initial parameters of a compiled model --------------------===//
//
// The paper's initialization (algorithms.md section 5): a matrix is a
// Gaussian made semi-orthogonal (every singular value 1) and scaled by
// sqrt(fan_out / fan_in), so its RMS->RMS norm is 1; an embedding table
// (L1->RMS norm) is a Gaussian with every token's row scaled to RMS 1. Both
// are then scaled down to w_max where w_max < 1, so training starts inside
// every constraint. Deterministic for a seed.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_INIT_H
#define LIPRT_INIT_H

#include "liprt/CompiledStep.h"

#include <cstdint>

namespace liprt {

/// Initializes every parameter of `step` (optimizer state stays zero):
/// zero where the manifest says `init: zero`, else (semi-)orthogonal at
/// min(1, w_max), embedding rows at RMS 1. Parameters of rank other than 2
/// are an error.
Status initializeParameters(CompiledStep &step, uint64_t seed);

} // namespace liprt

#endif // LIPRT_INIT_H
