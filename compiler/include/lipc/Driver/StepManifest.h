//===- StepManifest.h - What the compiled training step takes and returns -===//
//
// The manifest is the contract between a compiled model and the runtime
// (lipc_abi.h says what it holds and how it is read): a
// JSON description of @train_step's arguments and results (role, name,
// element type, shape, constraint) read from the lip argument attributes
// before lowering drops them. lipc embeds it in the object file as the
// global string `lipc_manifest`, next to the packed entry point
// `lipc_train_step(void **)`, so one runtime can drive any model.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_STEPMANIFEST_H
#define LIPC_DRIVER_STEPMANIFEST_H

#include "lipspec/SpecConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace lipc {

/// Describes @train_step of `module`, and under "forward" @forward (the
/// parameters and inputs it takes, the logits it returns). Errors (no @train_step, results that do
/// not mirror the arguments) are emitted at the function's location.
mlir::FailureOr<llvm::json::Object> describeTrainStep(mlir::ModuleOp module);

/// The spec's train settings the binary uses as defaults (steps, batch, seed,
/// eval_every, data), for the manifest's "train" member.
llvm::json::Object describeTrainDefaults(const spec::TrainConfig &train);

} // namespace lipc

#endif // LIPC_DRIVER_STEPMANIFEST_H
