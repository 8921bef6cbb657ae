//===- ExportEntryPoints.cpp - The runtime's entry points -----------------===//
//
// -lip-export-entry-points: the public functions of a training module are
// what the runtime calls (lipc_abi.h). They get MLIR's C interface, lose the
// lip argument attributes (runtime metadata the manifest already carries),
// and never return a constant's storage, which the runtime would free.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

namespace mlir::lip {
#define GEN_PASS_DEF_EXPORTENTRYPOINTS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
void dropLipArgumentAttributes(func::FuncOp func) {
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    SmallVector<NamedAttribute> kept;
    if (DictionaryAttr attrs = func.getArgAttrDict(i))
      for (NamedAttribute attr : attrs)
        if (!attr.getName().strref().starts_with("lip."))
          kept.push_back(attr);
    func.setArgAttrs(i, kept);
  }
}

/// Returns a fresh copy of every returned constant tensor.
void copyReturnedConstants(func::FuncOp func) {
  func.walk([](func::ReturnOp ret) {
    OpBuilder b(ret);
    for (OpOperand &operand : ret->getOpOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.get().getType());
      if (type && operand.get().getDefiningOp<arith::ConstantOp>())
        operand.set(b.create<bufferization::AllocTensorOp>(ret.getLoc(), type, ValueRange(),
                                                           operand.get()));
    }
  });
}

struct ExportEntryPoints : lip::impl::ExportEntryPointsBase<ExportEntryPoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      dropLipArgumentAttributes(func);
      if (!func.isPublic() || func.isExternal())
        continue;
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(&getContext()));
      copyReturnedConstants(func);
    }
  }
};
} // namespace
