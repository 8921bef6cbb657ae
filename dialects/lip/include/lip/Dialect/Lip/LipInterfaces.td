//===- LipInterfaces.td - Lipschitz rule interface ----------*- tablegen -*-===//
//
// Every op that may appear in a certified graph implements this interface.
// The bound analysis refuses any op without it: no op silently counts as 1.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_INTERFACES_TD
#define LIP_INTERFACES_TD

include "mlir/IR/OpBase.td"

def LipschitzBoundOpInterface : OpInterface<"LipschitzBoundOpInterface"> {
  let cppNamespace = "::mlir::lip";
  let description = [{
    The Lipschitz rule of an op. Given upper bounds for each operand (the
    Lipschitz constant from the model input, the max-token RMS, and for
    parameters the operator norm their constraint guarantees), compute sound
    upper bounds for the single result. Arithmetic must round upward
    (`lip/Dialect/Lip/BoundArith.h`). See Rationale.md for every rule.
  }];
  let methods = [
    InterfaceMethod<
      "Computes the result's bound from the operands' bounds.",
      "::mlir::lip::RuleResult", "inferLipschitzBound",
      (ins "::llvm::ArrayRef<::mlir::lip::ValueBound>":$operands)>
  ];
}

def DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::lip";
  let description = [{
    Reverse-mode differentiation of one op: given the gradient of the loss
    with respect to the op's result, build the ops that compute the gradient
    with respect to each operand (its vector-Jacobian product). The backward
    ops may read the op's operands (recomputation, no saved state).
  }];
  let methods = [
    InterfaceMethod<
      "Builds the operands' gradients at the builder's insertion point. "
      "Returns one value per operand, null for operands without a gradient "
      "(token ids, labels).",
      "::llvm::SmallVector<::mlir::Value>", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Value":$resultGrad)>
  ];
}

#endif // LIP_INTERFACES_TD
