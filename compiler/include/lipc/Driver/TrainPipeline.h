//===- TrainPipeline.h - From a compiled spec to its training step --------===//
//
// The spec's train section as TrainStepOptions, and the pipeline that turns
// the model into @train_step (loss, gradient, updates, projections, fusion).
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_TRAINPIPELINE_H
#define LIPC_DRIVER_TRAINPIPELINE_H

#include "lipc/Training/TrainStep.h"
#include "lipspec/SpecGen.h"

namespace lipc {

/// The training options the spec's train section asks for.
mlir::lip::TrainStepOptions trainOptionsFromSpec(const spec::TrainConfig &train);

/// The model's forward pass with parameters as arguments, returning logits:
/// what `eval` (and sampling) call with trained weights.
inline constexpr llvm::StringLiteral kForwardFunctionName = "forward";

/// Builds @forward, appends the cross-entropy loss to the model, builds
/// @train_step and (unless `fuseProjections` is false, for comparisons) fuses
/// updates with their projections. Errors at the model's location.
mlir::LogicalResult buildTrainingModule(spec::CompiledSpec &compiled, bool fuseProjections = true);

} // namespace lipc

#endif // LIPC_DRIVER_TRAINPIPELINE_H
