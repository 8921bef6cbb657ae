//===- PrefixSymbols.cpp - Rename a module's functions --------------------===//
//
// -lip-prefix-symbols: the GPU build of a training module is linked beside
// the CPU build in one binary, so its functions need names of their own.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir::lip {
#define GEN_PASS_DEF_PREFIXSYMBOLS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
struct PrefixSymbols : lip::impl::PrefixSymbolsBase<PrefixSymbols> {
  using PrefixSymbolsBase::PrefixSymbolsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (prefix.empty()) {
      module.emitError("-lip-prefix-symbols needs a non-empty prefix");
      return signalPassFailure();
    }
    SymbolTable table(module);
    for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (func.isExternal())
        continue;
      if (failed(table.rename(func, StringAttr::get(&getContext(), prefix + func.getSymName()))))
        return signalPassFailure();
    }
  }
};
} // namespace
