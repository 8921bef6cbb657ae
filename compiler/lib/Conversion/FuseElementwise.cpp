//===- FuseElementwise.cpp - Fuse chains of elementwise generics ----------===//
//
// -lip-fuse-elementwise: upstream's producer-consumer fusion of elementwise
// generics, restricted to single-use producers (fusing a producer with
// other users would recompute it) and without the reshape propagation of
// -linalg-fuse-elementwise-ops, which rewrites a matmul whose result is
// reshaped (attention's split into heads) into a generic contraction that
// no BLAS call serves.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"
#include "lipc/Support/GreedyRewrite.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

namespace mlir::lip {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
struct FuseElementwise : lip::impl::FuseElementwiseBase<FuseElementwise> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, [](OpOperand *operand) {
      Operation *producer = operand->get().getDefiningOp();
      return producer && producer->hasOneUse();
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
