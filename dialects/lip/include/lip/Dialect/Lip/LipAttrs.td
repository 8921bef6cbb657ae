//===- LipAttrs.td - Attributes of the lip dialect ---------*- tablegen -*-===//
//
// Weight constraints (`#lip.constraint`), the bounds the analysis attaches
// (`#lip.bound`), and the enums they use.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_ATTRS_TD
#define LIP_ATTRS_TD

include "lip/Dialect/Lip/LipDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Lip_ConstraintMethod : I32EnumAttr<"ConstraintMethod",
    "how the training step keeps a weight's norm in check", [
  I32EnumAttrCase<"none", 0>,
  I32EnumAttrCase<"weight_decay", 1>,
  I32EnumAttrCase<"spectral_normalize", 2>,
  I32EnumAttrCase<"soft_cap", 3>,
  I32EnumAttrCase<"hard_cap", 4>,
  I32EnumAttrCase<"exact_cap", 5>,
  I32EnumAttrCase<"spectral_hammer", 6>,
  I32EnumAttrCase<"spectral_weight_decay", 7>,
  I32EnumAttrCase<"orthogonal", 8>,
  I32EnumAttrCase<"embed_cap", 9>
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::lip";
}

def Lip_NormKind : I32EnumAttr<"NormKind", "the operator norm a constraint bounds", [
  // sqrt(fan_in / fan_out) * sigma_max(W): per-token RMS to RMS.
  I32EnumAttrCase<"rms_to_rms", 0>,
  // The largest RMS of one token's embedding vector: one-hot (l1) to RMS.
  I32EnumAttrCase<"l1_to_rms", 1>
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::lip";
}

//===----------------------------------------------------------------------===//
// Attribute definitions
//===----------------------------------------------------------------------===//

// A double that prints exactly (round-trips bit for bit) and spells infinity
// as `inf`, which bounds need.
def Lip_DoubleParameter : APFloatParameter<"a 64-bit float"> {
  let parser = "::mlir::lip::parseBoundDouble($_parser)";
  let printer = "::mlir::lip::printBoundDouble($_printer, $_self)";
}

class Lip_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Lip_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Lip_ConstraintAttr : Lip_Attr<"Constraint", "constraint"> {
  let summary = "The constraint the training step enforces on one parameter";
  let description = [{
    `method` is the projection (or its absence) applied after every update,
    `w_max` the norm it targets, and `norm` the operator norm it bounds. The
    bound analysis reads the guarantee of each method from a table (see
    Rationale.md): a method that guarantees nothing makes every bound that
    depends on the parameter "not certified".

    Example: `#lip.constraint<soft_cap, w_max = 1.0, norm = rms_to_rms>`
  }];
  let parameters = (ins
    EnumParameter<Lip_ConstraintMethod>:$method,
    Lip_DoubleParameter:$w_max,
    EnumParameter<Lip_NormKind>:$norm
  );
  let assemblyFormat = "`<` $method `,` `w_max` `=` $w_max `,` `norm` `=` $norm `>`";
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "ConstraintMethod":$method, "double":$wMax, "NormKind":$norm), [{
      return $_get($_ctxt, method, ::llvm::APFloat(wMax), norm);
    }]>
  ];
  let extraClassDeclaration = [{
    double getWMaxValue() const { return getWMax().convertToDouble(); }
  }];
}

def Lip_BoundAttr : Lip_Attr<"Bound", "bound"> {
  let summary = "A propagated Lipschitz bound";
  let description = [{
    Attached by `lip-propagate-bounds`. `factor` is the op's own Lipschitz
    factor with respect to its first operand (the input of the layer),
    `lipschitz` an upper bound on the Lipschitz constant from the model input
    to the op's result, and `rms` an upper bound on the result's max-token RMS.
    All are rounded upward; `inf` means unbounded.

    Example: `#lip.bound<factor = 2.0, lipschitz = 4.0, rms = 4.0>`
  }];
  let parameters = (ins
    Lip_DoubleParameter:$factor,
    Lip_DoubleParameter:$lipschitz,
    Lip_DoubleParameter:$rms
  );
  let assemblyFormat = [{
    `<` `factor` `=` $factor `,` `lipschitz` `=` $lipschitz `,` `rms` `=` $rms `>`
  }];
  let builders = [
    AttrBuilder<(ins "double":$factor, "double":$lipschitz, "double":$rms), [{
      return $_get($_ctxt, ::llvm::APFloat(factor), ::llvm::APFloat(lipschitz),
                   ::llvm::APFloat(rms));
    }]>
  ];
}

#endif // LIP_ATTRS_TD
