//===- ParallelOuterLoop.cpp - One parallel dimension per loop nest -------===//
//
// -lip-parallel-outer-loop: a loop nest's threads share its outermost
// dimension; the inner dimensions stay sequential loops. OpenMP's collapsed
// form of a multi-dimensional parallel loop (what -convert-scf-to-openmp
// makes of it) recomputes each index from one linear counter by division,
// and LLVM no longer vectorizes the innermost loop: the parallel step ran
// slower than the sequential one. A nest of fewer iterations than
// `min-iterations` (static bounds) becomes sequential altogether: sharing
// out a few microseconds of work costs about as much as it saves, and each
// parallel loop is an outlined function for LLVM to compile (most of the
// optimizer's loops over weights).
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <optional>

namespace mlir::lip {
#define GEN_PASS_DEF_PARALLELOUTERLOOP
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
/// The trip count of a loop dimension with constant bounds and step.
std::optional<int64_t> tripCount(Value lower, Value upper, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lower), u = getConstantIntValue(upper),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

std::optional<int64_t> nestIterations(Operation *loop);

/// The iterations of the loop nests directly in `block`, summed (1 for
/// none: one pass through the block).
std::optional<int64_t> innerIterations(Block &block) {
  std::optional<int64_t> total = 0;
  for (Operation &op : block)
    if (isa<scf::ForOp, scf::ParallelOp>(op)) {
      std::optional<int64_t> n = nestIterations(&op);
      total = total && n ? llvm::checkedAdd(*total, *n) : std::nullopt;
    }
  return total && *total == 0 ? 1 : total;
}

/// The iterations of the whole nest rooted at `loop` (an scf.for or
/// scf.parallel), if every bound is a constant (and the count fits).
std::optional<int64_t> nestIterations(Operation *loop) {
  std::optional<int64_t> count = 1;
  auto multiply = [&](std::optional<int64_t> n) {
    count = count && n ? llvm::checkedMul(*count, *n) : std::nullopt;
  };
  if (auto f = dyn_cast<scf::ForOp>(loop)) {
    multiply(tripCount(f.getLowerBound(), f.getUpperBound(), f.getStep()));
  } else {
    auto p = cast<scf::ParallelOp>(loop);
    for (unsigned d = 0; d < p.getNumLoops(); ++d)
      multiply(tripCount(p.getLowerBound()[d], p.getUpperBound()[d], p.getStep()[d]));
  }
  multiply(innerIterations(*loop->getRegion(0).begin()));
  return count;
}

/// Rebuilds `loop` as scf.for loops, in order, inside a one-dimensional
/// scf.parallel over its first dimension when `outerParallel` (then `loop`
/// has several dimensions).
void rebuild(scf::ParallelOp loop, bool outerParallel) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> ivs;
  Operation *innermostEnd = nullptr;
  auto forLoops = [&](OpBuilder &nested, unsigned first) {
    for (unsigned d = first; d < loop.getNumLoops(); ++d) {
      auto inner = nested.create<scf::ForOp>(loc, loop.getLowerBound()[d], loop.getUpperBound()[d],
                                             loop.getStep()[d]);
      ivs.push_back(inner.getInductionVar());
      innermostEnd = inner.getBody()->getTerminator();
      nested.setInsertionPoint(innermostEnd);
    }
  };
  if (outerParallel)
    b.create<scf::ParallelOp>(loc, loop.getLowerBound().take_front(),
                              loop.getUpperBound().take_front(), loop.getStep().take_front(),
                              [&](OpBuilder &nested, Location, ValueRange outer) {
                                ivs.push_back(outer.front());
                                forLoops(nested, 1);
                              });
  else
    forLoops(b, 0);
  Block *body = loop.getBody();
  for (auto [old, replacement] : llvm::zip(body->getArguments(), ivs))
    old.replaceAllUsesWith(replacement);
  for (Operation &op : llvm::make_early_inc_range(body->without_terminator()))
    op.moveBefore(innermostEnd);
  loop.erase();
}

struct ParallelOuterLoop : lip::impl::ParallelOuterLoopBase<ParallelOuterLoop> {
  using ParallelOuterLoopBase::ParallelOuterLoopBase;

  void runOnOperation() override {
    SmallVector<std::pair<scf::ParallelOp, bool>> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop.getNumReductions() != 0)
        return;
      std::optional<int64_t> iterations = nestIterations(loop);
      bool small = iterations && *iterations < static_cast<int64_t>(minIterations);
      if (small || loop.getNumLoops() > 1)
        loops.emplace_back(loop, !small);
    });
    for (auto [loop, outerParallel] : loops)
      rebuild(loop, outerParallel);
  }
};
} // namespace
