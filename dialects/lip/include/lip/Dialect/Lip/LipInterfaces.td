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

#endif // LIP_INTERFACES_TD
