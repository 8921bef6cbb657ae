//===- LipDialect.td - The lip dialect: forward graphs with Lipschitz rules -===//
//
// The `lip` dialect holds the forward pass of a model. Every op knows its
// Lipschitz rule (LipschitzBoundOpInterface), and every parameter carries the
// weight constraint that the training step will enforce.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_DIALECT_TD
#define LIP_DIALECT_TD

include "mlir/IR/OpBase.td"

def Lip_Dialect : Dialect {
  let name = "lip";
  let cppNamespace = "::mlir::lip";
  let summary = "Forward graphs of Lipschitz-certified neural networks";
  let description = [{
    Ops of a model's forward pass, each with a Lipschitz rule in the
    max-token RMS norm. See `dialects/lip/Rationale.md` for the norms and the
    derivation of every rule.
  }];
  let useDefaultAttributePrinterParser = 1;
  // The discardable `lip.*` attributes (LipAttrNames.h) are verified where
  // they appear: on ops and functions, and on function arguments.
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

class Lip_Op<string mnemonic, list<Trait> traits = []>
    : Op<Lip_Dialect, mnemonic, traits>;

#endif // LIP_DIALECT_TD
