//===- Differentiate.cpp - Build gradient functions -----------------------===//
//
// -lip-differentiate: a thin pass over lipc/Autodiff/Gradient.h.
//
//===----------------------------------------------------------------------===//

#include "lipc/Autodiff/Gradient.h"
#include "lipc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#define DEBUG_TYPE "lip-differentiate"

namespace mlir::lip {
#define GEN_PASS_DEF_LIPDIFFERENTIATE
#include "lipc/Transforms/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip;

namespace {
struct LipDifferentiatePass final : lip::impl::LipDifferentiateBase<LipDifferentiatePass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace

void LipDifferentiatePass::runOnOperation() {
  SmallVector<func::FuncOp> funcs(getOperation().getOps<func::FuncOp>());
  for (func::FuncOp func : funcs) {
    if (func.isExternal())
      continue;
    auto results = func.getFunctionType().getResults();
    bool scalar = results.size() == 1 && isa<RankedTensorType>(results[0]) &&
                  cast<RankedTensorType>(results[0]).getRank() == 0;
    if (!scalar && appendLoss && failed(appendCrossEntropyLoss(func)))
      return signalPassFailure();
    if ((scalar || appendLoss) && failed(buildGradientFunction(func)))
      return signalPassFailure();
  }
}
