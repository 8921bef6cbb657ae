//===- Gradient.h - Reverse-mode differentiation of lip functions ---------===//
//
// Builds gradient functions from forward functions with the
// DifferentiableOpInterface of every op. Parameters (lip.param) become
// function arguments, so the result can be called with the current weights
// and composed into a training step.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_AUTODIFF_GRADIENT_H
#define LIPC_AUTODIFF_GRADIENT_H

#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::lip {

/// Makes `func`, which returns logits `[..., classes]`, return their mean
/// cross-entropy against a new trailing argument of integer labels.
LogicalResult appendCrossEntropyLoss(func::FuncOp func);

/// The model's forward pass with parameters as arguments, returning logits:
/// what `eval` (and sampling) call with trained weights.
inline constexpr llvm::StringLiteral kForwardFunctionName = "forward";

/// Builds (next to `func`, public)
///   func @<name>(params..., args...) -> results of func
/// computing what `func` computes with its lip.param ops read from
/// arguments annotated like the gradient function's: the model's forward
/// pass for inference and evaluation with trained weights.
func::FuncOp buildForwardFunction(func::FuncOp func, StringRef name);

/// For `func` returning a scalar loss, builds (next to it)
///   func @<name>_grad(params..., args...) -> (loss, grad params...)
/// where the parameters are `func`'s lip.param ops in program order, passed
/// as arguments annotated with their name and constraint. Unused parameters
/// get a zero gradient. Fails with an error at the op that cannot be
/// differentiated.
FailureOr<func::FuncOp> buildGradientFunction(func::FuncOp func);

/// The name of the function buildGradientFunction builds from `function`.
std::string gradientFunctionName(StringRef function);

} // namespace mlir::lip

#endif // LIPC_AUTODIFF_GRADIENT_H
