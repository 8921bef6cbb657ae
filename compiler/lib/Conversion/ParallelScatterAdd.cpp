//===- ParallelScatterAdd.cpp - Scatter-add loops as atomic additions -----===//
//
// -lip-parallel-scatter-add: a loop nest that only adds values into a
// buffer at computed indices (the embedding's gradient, dE[ids[n], :] +=
// dy[n, :]) runs in any order, so it becomes one parallel loop whose
// additions are atomic. The GPU path runs it as a kernel; as a sequential
// nest it stayed in the host code, walking managed memory.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <optional>

namespace mlir::lip {
#define GEN_PASS_DEF_PARALLELSCATTERADD
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
/// A nest of loops around `target[i...] = target[i...] + addend`.
struct ScatterAdd {
  SmallVector<scf::ForOp> loops; // outermost first
  memref::StoreOp store;
  memref::LoadOp read;
  arith::AddFOp add;
  Value addend;
};

/// The read-modify-write of the innermost body `body`, if it is one.
std::optional<ScatterAdd> matchAddition(Block &body) {
  auto stores = body.getOps<memref::StoreOp>();
  if (std::distance(stores.begin(), stores.end()) != 1)
    return std::nullopt;
  memref::StoreOp store = *stores.begin();
  auto add = store.getValue().getDefiningOp<arith::AddFOp>();
  if (!add || !add->hasOneUse())
    return std::nullopt;
  for (unsigned side : {0u, 1u}) {
    auto read = add->getOperand(side).getDefiningOp<memref::LoadOp>();
    if (read && read->hasOneUse() && read.getMemRef() == store.getMemRef() &&
        read.getIndices() == store.getIndices())
      return ScatterAdd{{}, store, read, add, add->getOperand(1 - side)};
  }
  return std::nullopt;
}

/// Whether `op` may stay in the nest beside the addition: it writes
/// nothing, and reads nothing of `target` but the addition's own element.
bool onlyReads(Operation &op, Value target, ScatterAdd &s) {
  if (&op == s.store.getOperation() || &op == s.read.getOperation())
    return true;
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return load.getMemRef() != target;
  return isMemoryEffectFree(&op) && op.getNumRegions() == 0;
}

/// The scatter-add nest rooted at `outer`, if it is one: loops without
/// results whose bounds are defined outside the nest, one loop per level.
std::optional<ScatterAdd> matchNest(scf::ForOp outer) {
  SmallVector<scf::ForOp> loops{outer};
  while (true) {
    auto inner = loops.back().getBody()->getOps<scf::ForOp>();
    if (inner.empty())
      break;
    if (std::next(inner.begin()) != inner.end())
      return std::nullopt;
    loops.push_back(*inner.begin());
  }
  std::optional<ScatterAdd> s = matchAddition(*loops.back().getBody());
  if (!s)
    return std::nullopt;
  Value target = s->store.getMemRef();
  if (!outer.isDefinedOutsideOfLoop(target))
    return std::nullopt;
  for (scf::ForOp loop : loops) {
    if (loop.getNumResults() != 0 || !outer.isDefinedOutsideOfLoop(loop.getLowerBound()) ||
        !outer.isDefinedOutsideOfLoop(loop.getUpperBound()) || !outer.isDefinedOutsideOfLoop(loop.getStep()))
      return std::nullopt;
    for (Operation &op : loop.getBody()->without_terminator())
      if (!isa<scf::ForOp>(op) && !onlyReads(op, target, *s))
        return std::nullopt;
  }
  s->loops = std::move(loops);
  return s;
}

void parallelize(ScatterAdd s) {
  scf::ForOp outer = s.loops.front();
  OpBuilder b(outer);
  Location loc = outer.getLoc();
  SmallVector<Value> lower, upper, steps;
  for (scf::ForOp loop : s.loops) {
    lower.push_back(loop.getLowerBound());
    upper.push_back(loop.getUpperBound());
    steps.push_back(loop.getStep());
  }
  b.create<scf::ParallelOp>(loc, lower, upper, steps, [&](OpBuilder &nested, Location, ValueRange ivs) {
    IRMapping mapping;
    for (auto [loop, iv] : llvm::zip(s.loops, ivs))
      mapping.map(loop.getInductionVar(), iv);
    for (scf::ForOp loop : s.loops)
      for (Operation &op : loop.getBody()->without_terminator())
        if (!isa<scf::ForOp>(op) && &op != s.store.getOperation() && &op != s.read.getOperation() &&
            &op != s.add.getOperation())
          nested.clone(op, mapping);
    SmallVector<Value> indices;
    for (Value index : s.store.getIndices())
      indices.push_back(mapping.lookupOrDefault(index));
    nested.create<memref::AtomicRMWOp>(loc, arith::AtomicRMWKind::addf, mapping.lookupOrDefault(s.addend),
                                       s.store.getMemRef(), indices);
  });
  outer.erase();
}

struct ParallelScatterAdd : lip::impl::ParallelScatterAddBase<ParallelScatterAdd> {
  void runOnOperation() override {
    // Bufferization may leave the buffer carried through the loops
    // unchanged (iter_args yielded as they came): scf.for's folding drops
    // them, so that the nest has no results.
    RewritePatternSet folding(&getContext());
    scf::ForOp::getCanonicalizationPatterns(folding, &getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(folding))))
      return signalPassFailure();
    SmallVector<ScatterAdd> nests;
    getOperation().walk([&](scf::ForOp loop) {
      if (isa<scf::ForOp>(loop->getParentOp()))
        return; // only nests rooted at their outermost loop
      if (std::optional<ScatterAdd> s = matchNest(loop))
        nests.push_back(*s);
    });
    for (const ScatterAdd &s : nests)
      parallelize(s);
  }
};
} // namespace
