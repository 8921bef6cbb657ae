//===- TrainPipeline.h - From a compiled spec to its training step --------===//
//
// The spec's train section as TrainStepOptions, and the pass pipeline that
// turns the model into @train_step (loss, gradient, updates, projections,
// fusion), written as text so that lip-opt can run exactly what lipc runs.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_TRAINPIPELINE_H
#define LIPC_DRIVER_TRAINPIPELINE_H

#include "lipc/Autodiff/Gradient.h"
#include "lipc/Training/TrainStep.h"
#include "lipspec/SpecGen.h"

namespace lipc {

/// The training options the spec's train section asks for.
mlir::lip::TrainStepOptions trainOptionsFromSpec(const spec::TrainConfig &train);

using mlir::lip::kForwardFunctionName;

/// The textual pass pipeline that turns the spec's model (`lipc
/// --emit=lip`) into its training module (`--emit=train`): every train
/// setting of the spec as an option of lip-build-train-step{from-logits},
/// numbers written to round-trip exactly, then (unless `fuseProjections` is
/// false, for comparisons) lipopt-fuse-projection and cse. `lip-opt
/// --pass-pipeline=` runs it.
std::string trainingPipeline(const spec::CompiledSpec &compiled, bool fuseProjections = true);

/// Runs trainingPipeline on the compiled spec's module (with MLIR's pass
/// manager options from the command line). Errors at the model's location.
mlir::LogicalResult buildTrainingModule(spec::CompiledSpec &compiled, bool fuseProjections = true);

} // namespace lipc

#endif // LIPC_DRIVER_TRAINPIPELINE_H
