//===- SplitReductions.cpp - Reductions with few outputs in two stages ----===//
//
// -lip-split-reductions: a reduction with few outputs (a norm, a loss, a
// column sum over the batch) becomes a parallel first stage, where each of
// `partials` lanes per output folds a strided share of the elements, and a
// second stage that folds the lanes into the output. The GPU path runs both
// as kernels: lowered as it was, a full reduction was a loop of the host
// code over managed memory, and a column sum one thread per column. A
// reduction with many outputs over long rows (softmax's and cross-entropy's
// maxima and sums, a norm per row) is split the same way with a warp's
// `row-partials` lanes per output: one thread per row read its row alone,
// each warp's loads 32 rows apart, where the lanes of a row read
// consecutive elements.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <optional>

namespace mlir::lip {
#define GEN_PASS_DEF_SPLITREDUCTIONS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
/// What a reduction folds with: `combiner(value, output)`.
struct Reduction {
  linalg::GenericOp op;
  Operation *combiner;
  unsigned outputPosition; // the combiner's operand that is the output's value
  TypedAttr neutral;
  SmallVector<int64_t> outputShape; // the extents of the parallel loops (dynamic ones too)
  int64_t lanes;                    // the first stage's lanes per output
};

/// How many lanes per output a reduction gets, by its size.
struct LanePolicy {
  int64_t partials, maxOutputs; // few outputs: this many lanes each
  int64_t rowPartials, rowMinElements; // many outputs over long rows
};

/// `op` as a reduction this pass splits, if it is one.
std::optional<Reduction> matchReduction(linalg::GenericOp op, const LanePolicy &policy) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  for (OpOperand *input : op.getDpsInputOperands())
    if (input->get() == init->get())
      return std::nullopt;
  BlockArgument output = op.getMatchingBlockArgument(init);
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  Operation *combiner = yield.getValues().front().getDefiningOp();
  if (!output.hasOneUse() || !combiner || combiner->getBlock() != op.getBody() ||
      combiner->getNumOperands() != 2 || combiner->getNumResults() != 1)
    return std::nullopt;
  unsigned position = combiner->getOperand(0) == output ? 0 : 1;
  if (combiner->getOperand(position) != output)
    return std::nullopt;
  std::optional<TypedAttr> neutral = arith::getNeutralElement(combiner);
  if (!neutral)
    return std::nullopt;
  // A dynamic extent (the batch) is taken as large.
  SmallVector<int64_t> shape;
  int64_t outputs = 1, elements = 1;
  for (auto [extent, type] : llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray())) {
    int64_t &count = type == utils::IteratorType::parallel ? outputs : elements;
    count = ShapedType::isDynamic(extent) || ShapedType::isDynamic(count) ? ShapedType::kDynamic : count * extent;
    if (type == utils::IteratorType::parallel)
      shape.push_back(extent);
  }
  // Rows: the innermost loop reduces, so a row's lanes read consecutive
  // elements (over another dimension, one thread per output already reads
  // consecutive outputs' elements together).
  bool rows = op.getIteratorTypesArray().back() == utils::IteratorType::reduction;
  int64_t lanes;
  if (!ShapedType::isDynamic(outputs) && outputs <= policy.maxOutputs)
    lanes = policy.partials;
  else if (rows && (ShapedType::isDynamic(elements) || elements >= policy.rowMinElements))
    lanes = policy.rowPartials;
  else
    return std::nullopt; // short rows: one thread per output reads its row alone
  return Reduction{op, combiner, position, *neutral, shape, lanes};
}

/// The value of each operand of `op` at loop indices `indices`: a load at
/// its indexing map, a scalar as it is.
SmallVector<Value> loadOperands(OpBuilder &b, Location loc, linalg::GenericOp op,
                                ArrayRef<OpOperand *> operands, ValueRange indices) {
  SmallVector<Value> values;
  for (OpOperand *operand : operands) {
    Value value = operand->get();
    if (!isa<MemRefType>(value.getType())) {
      values.push_back(value);
      continue;
    }
    std::optional<SmallVector<Value, 8>> at =
        affine::expandAffineMap(b, loc, op.getMatchingIndexingMap(operand), indices);
    values.push_back(b.create<memref::LoadOp>(loc, value, *at));
  }
  return values;
}

/// The loop indices of `op`: the parallel loops' from `parallel`, the
/// reduction loops' decomposed from the flat index `flat` (row-major over
/// `extents`, the loops' extents).
SmallVector<Value> loopIndices(OpBuilder &b, Location loc, linalg::GenericOp op, ValueRange parallel,
                               Value flat, ArrayRef<Value> extents) {
  SmallVector<utils::IteratorType> types = op.getIteratorTypesArray();
  SmallVector<Value> indices(types.size());
  for (unsigned d = 0, p = 0; d < types.size(); ++d)
    if (types[d] == utils::IteratorType::parallel)
      indices[d] = parallel[p++];
  for (unsigned d = types.size(); d-- > 0;) {
    if (types[d] == utils::IteratorType::parallel)
      continue;
    indices[d] = b.create<arith::RemUIOp>(loc, flat, extents[d]);
    flat = b.create<arith::DivUIOp>(loc, flat, extents[d]);
  }
  return indices;
}

/// Loop indices of `op` that address its output: the parallel loops' from
/// `parallel`, `zero` for the reduction loops (which the output's map does
/// not use).
SmallVector<Value> outputIndices(linalg::GenericOp op, ValueRange parallel, Value zero) {
  SmallVector<Value> indices;
  auto next = parallel.begin();
  for (utils::IteratorType type : op.getIteratorTypesArray())
    indices.push_back(type == utils::IteratorType::parallel ? *next++ : zero);
  return indices;
}

/// The value `op`'s body folds into the output at `indices`, combined with
/// `accumulator` by the body's own combiner.
Value foldStep(OpBuilder &b, Location loc, const Reduction &r, ValueRange indices, Value accumulator) {
  linalg::GenericOp op = r.op;
  Block *body = op.getBody();
  IRMapping mapping;
  SmallVector<Value> inputs = loadOperands(b, loc, op, op.getDpsInputOperands(), indices);
  for (auto [argument, value] : llvm::zip(body->getArguments().drop_back(), inputs))
    mapping.map(argument, value);
  mapping.map(body->getArguments().back(), accumulator);
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner))
      mapping.map(index.getResult(), indices[index.getDim()]);
    else
      b.clone(inner, mapping);
  }
  return mapping.lookup(body->getTerminator()->getOperand(0));
}

void split(const Reduction &r) {
  linalg::GenericOp op = r.op;
  int64_t partials = r.lanes;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> extents, outputExtents;
  Value total; // the elements each output folds
  int64_t staticTotal = 1;
  for (auto [range, type] : llvm::zip(cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc),
                                             op.getIteratorTypesArray())) {
    extents.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
    if (type == utils::IteratorType::parallel) {
      outputExtents.push_back(extents.back());
      continue;
    }
    total = total ? b.create<arith::MulIOp>(loc, total, extents.back()) : extents.back();
    std::optional<int64_t> extent = getConstantIntValue(range.size);
    staticTotal = extent && staticTotal > 0 ? staticTotal * *extent : -1;
  }
  if (staticTotal > 0)
    partials = std::min(partials, staticTotal); // lanes beyond the elements would only add neutrals
  Value lanes = b.create<arith::ConstantIndexOp>(loc, partials);
  Type element = cast<MemRefType>(op.getDpsInitOperand(0)->get().getType()).getElementType();
  SmallVector<int64_t> partialShape(r.outputShape);
  partialShape.push_back(partials);
  // The alloc's sizes where its type has dynamic extents.
  SmallVector<Value> dynamicOutputExtents;
  for (auto [extent, value] : llvm::zip(r.outputShape, outputExtents))
    if (ShapedType::isDynamic(extent))
      dynamicOutputExtents.push_back(value);
  Value partial = b.create<memref::AllocOp>(loc, MemRefType::get(partialShape, element), dynamicOutputExtents);

  // Stage 1: lane t of each output folds elements t, t + lanes, ...
  SmallVector<Value> firstUpper(outputExtents);
  firstUpper.push_back(lanes);
  b.create<scf::ParallelOp>(
      loc, SmallVector<Value>(firstUpper.size(), zero), firstUpper, SmallVector<Value>(firstUpper.size(), one),
      [&](OpBuilder &nested, Location, ValueRange ivs) {
        Value neutral = nested.create<arith::ConstantOp>(loc, r.neutral);
        auto lane = nested.create<scf::ForOp>(
            loc, ivs.back(), total, lanes, ValueRange{neutral},
            [&](OpBuilder &inner, Location, Value flat, ValueRange accumulator) {
              SmallVector<Value> indices = loopIndices(inner, loc, op, ivs.drop_back(), flat, extents);
              inner.create<scf::YieldOp>(loc, foldStep(inner, loc, r, indices, accumulator.front()));
            });
        nested.create<memref::StoreOp>(loc, lane.getResult(0), partial, ivs);
      });

  // Stage 2: each output folds its lanes into its value (one iteration for
  // a full reduction, so that the fold is a parallel loop too).
  bool full = outputExtents.empty();
  SmallVector<Value> secondUpper = full ? SmallVector<Value>{one} : outputExtents;
  b.create<scf::ParallelOp>(
      loc, SmallVector<Value>(secondUpper.size(), zero), secondUpper, SmallVector<Value>(secondUpper.size(), one),
      [&](OpBuilder &nested, Location, ValueRange ivs) {
        ValueRange outputIvs = full ? ValueRange() : ivs;
        SmallVector<Value> indices = outputIndices(op, outputIvs, zero);
        OpOperand *init = op.getDpsInitOperand(0);
        std::optional<SmallVector<Value, 8>> at =
            affine::expandAffineMap(nested, loc, op.getMatchingIndexingMap(init), indices);
        Value start = nested.create<memref::LoadOp>(loc, init->get(), *at);
        auto fold = nested.create<scf::ForOp>(
            loc, zero, lanes, one, ValueRange{start},
            [&](OpBuilder &inner, Location, Value t, ValueRange accumulator) {
              SmallVector<Value> partialAt(outputIvs);
              partialAt.push_back(t);
              IRMapping mapping;
              mapping.map(r.combiner->getOperand(1 - r.outputPosition),
                          inner.create<memref::LoadOp>(loc, partial, partialAt));
              mapping.map(r.combiner->getOperand(r.outputPosition), accumulator.front());
              inner.create<scf::YieldOp>(loc, inner.clone(*r.combiner, mapping)->getResult(0));
            });
        nested.create<memref::StoreOp>(loc, fold.getResult(0), init->get(), *at);
      });
  b.create<memref::DeallocOp>(loc, partial);
  op.erase();
}

struct SplitReductions : lip::impl::SplitReductionsBase<SplitReductions> {
  using SplitReductionsBase::SplitReductionsBase;

  void runOnOperation() override {
    if (partials < 1 || maxOutputs < 1 || rowPartials < 1 || rowMinElements < 1) {
      getOperation().emitError("-lip-split-reductions: partials, max-outputs, row-partials and row-min-elements "
                               "must be at least 1");
      return signalPassFailure();
    }
    LanePolicy policy{partials, maxOutputs, rowPartials, rowMinElements};
    SmallVector<Reduction> reductions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<Reduction> r = matchReduction(op, policy))
        reductions.push_back(*r);
    });
    for (const Reduction &r : reductions)
      split(r);
  }
};
} // namespace
