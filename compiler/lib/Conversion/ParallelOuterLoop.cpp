//===- ParallelOuterLoop.cpp - One parallel dimension per loop nest -------===//
//
// -lip-parallel-outer-loop: a loop nest's threads share its outermost
// dimension; the inner dimensions stay sequential loops. OpenMP's collapsed
// form of a multi-dimensional parallel loop (what -convert-scf-to-openmp
// makes of it) recomputes each index from one linear counter by division,
// and LLVM no longer vectorizes the innermost loop: the parallel step ran
// slower than the sequential one.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

namespace mlir::lip {
#define GEN_PASS_DEF_PARALLELOUTERLOOP
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
/// Rebuilds `loop` as a one-dimensional scf.parallel of scf.for loops.
void keepOuterDimensionParallel(scf::ParallelOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> ivs;
  Operation *innermostEnd = nullptr;
  b.create<scf::ParallelOp>(
      loc, loop.getLowerBound().take_front(), loop.getUpperBound().take_front(),
      loop.getStep().take_front(), [&](OpBuilder &nested, Location, ValueRange outer) {
        ivs.push_back(outer.front());
        for (unsigned d = 1; d < loop.getNumLoops(); ++d) {
          auto inner = nested.create<scf::ForOp>(loc, loop.getLowerBound()[d],
                                                 loop.getUpperBound()[d], loop.getStep()[d]);
          ivs.push_back(inner.getInductionVar());
          innermostEnd = inner.getBody()->getTerminator();
          nested.setInsertionPoint(innermostEnd);
        }
      });
  Block *body = loop.getBody();
  for (auto [old, replacement] : llvm::zip(body->getArguments(), ivs))
    old.replaceAllUsesWith(replacement);
  for (Operation &op : llvm::make_early_inc_range(body->without_terminator()))
    op.moveBefore(innermostEnd);
  loop.erase();
}

struct ParallelOuterLoop : lip::impl::ParallelOuterLoopBase<ParallelOuterLoop> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop.getNumLoops() > 1 && loop.getNumReductions() == 0)
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops)
      keepOuterDimensionParallel(loop);
  }
};
} // namespace
