//===- LowerSequence.cpp - Lower the token-mixing and indexing lip ops ----===//
//
// Patterns of convert-lip-to-linalg for embedding (a gather), positions
// (each token's index), maxmin (pairs), concat (a gather per part),
// rope (a rotation by token position), attention (scores, masked softmax,
// weighted sum), mean_pool and cross_entropy (reductions). Every op becomes
// linalg.generic on tensors; gathers use tensor.extract in the body.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::lip;
using namespace mlir::lip::lowering;

namespace {
using utils::IteratorType;

struct LowerEmbedding : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    unsigned rank = type.getRank();
    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, op.getIds());
    sizes.push_back(b.getIndexAttr(type.getShape().back()));
    SmallVector<unsigned> idDims;
    for (unsigned i = 0; i + 1 < rank; ++i)
      idDims.push_back(i);
    SmallVector<AffineMap> maps = {map(b, rank, idDims), b.getMultiDimIdentityMap(rank)};
    SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
    Value table = op.getTable();
    Value y = generic(b, loc, op.getIds(), emptyOf(b, loc, type, sizes), maps, iterators,
                      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                        Value row = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), args[0]);
                        return nb.create<tensor::ExtractOp>(l, table,
                                                            ValueRange{row, index(nb, l, rank - 1)});
                      });
    b.replaceOp(op, y);
    return success();
  }
};

struct LowerPositions : OpRewritePattern<PositionsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PositionsOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    unsigned rank = type.getRank();
    SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
    SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
    auto positions = b.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{}, ValueRange{emptyOf(b, loc, type, sizesOf(b, loc, op.getIds()))},
        maps, iterators, [&](OpBuilder &nb, Location l, ValueRange) {
          Value position =
              nb.create<arith::IndexCastOp>(l, type.getElementType(), index(nb, l, rank - 1));
          nb.create<linalg::YieldOp>(l, position);
        });
    b.replaceOp(op, positions.getResult(0));
    return success();
  }
};

struct LowerMaxMin : OpRewritePattern<MaxMinOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaxMinOp op, PatternRewriter &b) const override {
    Value x = op.getInput();
    unsigned rank = op.getType().getRank();
    Value y = elementwise(b, op.getLoc(), x, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
      SmallVector<Value> at;
      for (unsigned d = 0; d < rank; ++d)
        at.push_back(index(nb, l, d));
      Value i = at.back();
      Value one = indexConstant(nb, l, 1);
      Value even = nb.create<arith::CmpIOp>(
          l, arith::CmpIPredicate::eq, nb.create<arith::AndIOp>(l, i, one), indexConstant(nb, l, 0));
      at.back() = nb.create<arith::SelectOp>(l, even, nb.create<arith::AddIOp>(l, i, one),
                                             nb.create<arith::SubIOp>(l, i, one));
      Value partner = nb.create<tensor::ExtractOp>(l, x, at);
      return nb.create<arith::SelectOp>(l, even, nb.create<arith::MaximumFOp>(l, v[0], partner),
                                        nb.create<arith::MinimumFOp>(l, v[0], partner));
    });
    b.replaceOp(op, y);
    return success();
  }
};

/// Each result feature j reads part i at j - offset_i, where
/// offset_i <= j < offset_i + w_i. Every part is read at a clamped index and
/// the right value selected, so no read leaves its part.
struct LowerConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    unsigned rank = type.getRank();
    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, op.getInputs().front());
    sizes.back() = b.getIndexAttr(type.getShape().back());
    SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
    auto concat = b.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{}, ValueRange{emptyOf(b, loc, type, sizes)},
        SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank)}, iterators,
        [&](OpBuilder &nb, Location l, ValueRange) {
          SmallVector<Value> at;
          for (unsigned d = 0; d < rank; ++d)
            at.push_back(index(nb, l, d));
          Value j = at.back(), zero = indexConstant(nb, l, 0), picked;
          int64_t offset = 0;
          for (Value part : op.getInputs()) {
            int64_t width = cast<RankedTensorType>(part.getType()).getShape().back();
            Value local = nb.create<arith::SubIOp>(l, j, indexConstant(nb, l, offset));
            local = nb.create<arith::MaxSIOp>(l, local, zero);
            at.back() = nb.create<arith::MinSIOp>(l, local, indexConstant(nb, l, width - 1));
            Value value = nb.create<tensor::ExtractOp>(l, part, at);
            offset += width;
            if (!picked) {
              picked = value;
              continue;
            }
            Value inPart = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, j,
                                                    indexConstant(nb, l, offset - width));
            picked = nb.create<arith::SelectOp>(l, inPart, value, picked);
          }
          nb.create<linalg::YieldOp>(l, picked);
        });
    b.replaceOp(op, concat.getResult(0));
    return success();
  }
};

struct LowerRope : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RopeOp op, PatternRewriter &b) const override {
    b.replaceOp(op, rotate(b, op.getLoc(), op.getInput(), op.getBase().convertToDouble(),
                           /*transpose=*/false));
    return success();
  }
};

struct LowerAttention : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    double factor = op.getOutputFactor().convertToDouble();
    Value weights = attentionWeights(b, loc, op.getQuery(), op.getKey(), op.getCausal(),
                                     op.getLogitScale().convertToDouble());
    // out[b,t,h,i] = factor * sum_u P[b,h,t,u] v[b,u,h,i]
    Value out = headsProduct(b, loc, weights, false, swapTokensAndHeads(b, loc, op.getValue()),
                             false, factor);
    b.replaceOp(op, swapTokensAndHeads(b, loc, out));
    return success();
  }
};

struct LowerMeanPool : OpRewritePattern<MeanPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MeanPoolOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    SmallVector<OpFoldResult> in = sizesOf(b, loc, x);
    Type t = op.getType().getElementType();
    Value sum = generic(b, loc, x, filled(b, loc, op.getType(), {in[0], in[2]}, 0.0),
                        {b.getMultiDimIdentityMap(3), map(b, 3, {0, 2})},
                        {IteratorType::parallel, IteratorType::reduction, IteratorType::parallel},
                        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                          return nb.create<arith::AddFOp>(l, a[0], a[1]);
                        });
    Value tokens = sizeAsFloat(b, loc, x, 1, t);
    b.replaceOp(op, elementwise(b, loc, sum, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
                  return nb.create<arith::DivFOp>(l, v[0], tokens);
                }));
    return success();
  }
};

struct LowerCrossEntropy : OpRewritePattern<CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value z = op.getLogits(), y = op.getTargets();
    auto zType = cast<RankedTensorType>(z.getType());
    int64_t rank = zType.getRank();
    if (rank < 2)
      return b.notifyMatchFailure(op, "needs at least one row of logits");
    if (rank > 2) {
      ReassociationIndices rows;
      for (int64_t i = 0; i + 1 < rank; ++i)
        rows.push_back(i);
      z = b.create<tensor::CollapseShapeOp>(loc, z, SmallVector<ReassociationIndices>{rows, {rank - 1}});
      y = b.create<tensor::CollapseShapeOp>(loc, y, SmallVector<ReassociationIndices>{rows});
    }
    Type t = zType.getElementType();
    auto red = IteratorType::reduction;
    auto [rowMax, sumExp] = softmaxStatistics(b, loc, z);
    // Per row: max + log(sum exp) - z[row, label]; the mean over rows.
    auto scalarType = RankedTensorType::get({}, t);
    Value zRows = z;
    Value total = generic(
        b, loc, ValueRange{rowMax, sumExp, y}, filled(b, loc, scalarType, {}, 0.0),
        {map(b, 1, {0}), map(b, 1, {0}), map(b, 1, {0}), AffineMap::get(1, 0, {}, b.getContext())},
        {red}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value label = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), a[2]);
          Value picked = nb.create<tensor::ExtractOp>(l, zRows, ValueRange{index(nb, l, 0), label});
          Value lse = nb.create<arith::AddFOp>(l, a[0], nb.create<math::LogOp>(l, a[1]));
          return nb.create<arith::AddFOp>(l, a[3], nb.create<arith::SubFOp>(l, lse, picked));
        });
    Value rows = sizeAsFloat(b, loc, z, 0, t);
    b.replaceOp(op, elementwise(b, loc, total, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
                  return nb.create<arith::DivFOp>(l, v[0], rows);
                }));
    return success();
  }
};
} // namespace

namespace {
/// cos and sin of rope's angles theta[t, i] = +-t base^(-2 j / head_dim)
/// (j = i mod head_dim / 2) as [tokens, head_dim] constants of `type`'s
/// element type. float32 tables are computed in float32 with the same
/// operations (expf, cosf, sinf) the rotation's loop once ran every step.
std::pair<Value, Value> rotationTables(OpBuilder &b, Location loc, RankedTensorType type,
                                       double base, bool transpose) {
  int64_t tokens = type.getDimSize(1), headDim = type.getDimSize(3), half = headDim / 2;
  Type t = type.getElementType();
  auto semantics = &cast<FloatType>(t).getFloatSemantics();
  SmallVector<APFloat> cosines, sines;
  auto push = [&](double c, double s) {
    bool lost;
    cosines.push_back(APFloat(c));
    sines.push_back(APFloat(s));
    cosines.back().convert(*semantics, APFloat::rmNearestTiesToEven, &lost);
    sines.back().convert(*semantics, APFloat::rmNearestTiesToEven, &lost);
  };
  double exponent = -2.0 * std::log(base) / headDim, sign = transpose ? -1.0 : 1.0;
  for (int64_t token = 0; token < tokens; ++token)
    for (int64_t i = 0; i < headDim; ++i) {
      int64_t j = i < half ? i : i - half;
      if (t.isF32()) {
        float theta = static_cast<float>(token) *
                      std::exp(static_cast<float>(j) * static_cast<float>(exponent)) *
                      static_cast<float>(sign);
        push(std::cos(theta), std::sin(theta));
      } else {
        double theta = token * std::exp(j * exponent) * sign;
        push(std::cos(theta), std::sin(theta));
      }
    }
  auto tableType = RankedTensorType::get({tokens, headDim}, t);
  auto table = [&](ArrayRef<APFloat> values) -> Value {
    return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(tableType, values));
  };
  return {table(cosines), table(sines)};
}
} // namespace

Value mlir::lip::lowering::rotate(OpBuilder &b, Location loc, Value x, double base, bool transpose) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t half = type.getDimSize(3) / 2;
  // The angles depend on the token and the coordinate only: tables built at
  // compile time, not sin and cos of every element of every step.
  auto [cosines, sines] = rotationTables(b, loc, type, base, transpose);
  AffineMap all = b.getMultiDimIdentityMap(4), tokenAndCoordinate = map(b, 4, {1, 3});
  Value init = emptyOf(b, loc, type, sizesOf(b, loc, x));
  return generic(
      b, loc, ValueRange{x, cosines, sines}, init, {all, tokenAndCoordinate, tokenAndCoordinate, all},
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
        SmallVector<Value> at = {index(nb, l, 0), index(nb, l, 1), index(nb, l, 2),
                                 index(nb, l, 3)};
        Value i = at[3], h = indexConstant(nb, l, half);
        Value low = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, i, h);
        at[3] = nb.create<arith::SelectOp>(l, low, nb.create<arith::AddIOp>(l, i, h),
                                           nb.create<arith::SubIOp>(l, i, h));
        Value partner = nb.create<tensor::ExtractOp>(l, x, at);
        Value c = v[1], s = v[2];
        Value lowOut = nb.create<arith::SubFOp>(l, nb.create<arith::MulFOp>(l, v[0], c),
                                                nb.create<arith::MulFOp>(l, partner, s));
        Value highOut = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, partner, s),
                                                 nb.create<arith::MulFOp>(l, v[0], c));
        return nb.create<arith::SelectOp>(l, low, lowOut, highOut);
      });
}

Value mlir::lip::lowering::swapTokensAndHeads(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> perm = {0, 2, 1, 3};
  SmallVector<OpFoldResult> in = sizesOf(b, loc, x);
  Value init = emptyOf(
      b, loc,
      RankedTensorType::get({type.getDimSize(0), type.getDimSize(2), type.getDimSize(1),
                             type.getDimSize(3)},
                            type.getElementType()),
      {in[0], in[2], in[1], in[3]});
  return b.create<linalg::TransposeOp>(loc, x, init, perm).getResult()[0];
}

Value mlir::lip::lowering::headsProduct(OpBuilder &b, Location loc, Value x, bool transposeX,
                                        Value y, bool transposeY, double scale) {
  auto xType = cast<RankedTensorType>(x.getType()), yType = cast<RankedTensorType>(y.getType());
  Type t = xType.getElementType();
  SmallVector<OpFoldResult> xs = sizesOf(b, loc, x), ys = sizesOf(b, loc, y);
  SmallVector<ReassociationIndices> rows = {{0, 1}, {2}, {3}};
  auto collapse = [&](Value v) { return b.create<tensor::CollapseShapeOp>(loc, v, rows).getResult(); };
  int64_t m = xType.getDimSize(transposeX ? 3 : 2), n = yType.getDimSize(transposeY ? 2 : 3);
  OpFoldResult mSize = xs[transposeX ? 3 : 2], nSize = ys[transposeY ? 2 : 3];
  int64_t heads = xType.getDimSize(1), batch = xType.getDimSize(0);
  int64_t rowsStatic = ShapedType::isDynamic(batch) ? ShapedType::kDynamic : batch * heads;
  OpFoldResult rowsSize =
      ShapedType::isDynamic(batch)
          ? OpFoldResult(b.create<arith::MulIOp>(loc, getValueOrCreateConstantIndexOp(b, loc, xs[0]),
                                                 indexConstant(b, loc, heads))
                             .getResult())
          : OpFoldResult(b.getIndexAttr(rowsStatic));
  auto flatType = RankedTensorType::get({rowsStatic, m, n}, t);
  Value init = filled(b, loc, flatType, {rowsSize, mSize, nSize}, 0.0);
  ValueRange ins = {collapse(x), collapse(y)};
  Value product;
  if (transposeX && transposeY)
    llvm_unreachable("no product needs both operands transposed");
  else if (transposeX)
    product = b.create<linalg::BatchMatmulTransposeAOp>(loc, flatType, ins, init).getResult(0);
  else if (transposeY)
    product = b.create<linalg::BatchMatmulTransposeBOp>(loc, flatType, ins, init).getResult(0);
  else
    product = b.create<linalg::BatchMatmulOp>(loc, flatType, ins, init).getResult(0);
  if (scale != 1.0)
    product = elementwise(b, loc, product, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
      return nb.create<arith::MulFOp>(l, v[0], constantLike(nb, l, t, scale));
    });
  auto outType = RankedTensorType::get({batch, heads, m, n}, t);
  return b.create<tensor::ExpandShapeOp>(loc, outType, product, rows,
                                         SmallVector<OpFoldResult>{xs[0], xs[1], mSize, nSize});
}

Value mlir::lip::lowering::attentionWeights(OpBuilder &b, Location loc, Value q, Value k,
                                            bool causal, double logitScale) {
  using utils::IteratorType;
  auto type = cast<RankedTensorType>(q.getType());
  Type t = type.getElementType();
  double scale = logitScale / type.getDimSize(3);
  SmallVector<OpFoldResult> s = sizesOf(b, loc, q); // b, t, h, d
  auto scoresType = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(2), type.getDimSize(1), type.getDimSize(1)}, t);
  auto rowType = RankedTensorType::get({type.getDimSize(0), type.getDimSize(2), type.getDimSize(1)}, t);
  SmallVector<OpFoldResult> scoreSizes = {s[0], s[2], s[1], s[1]}, rowSizes = {s[0], s[2], s[1]};
  auto par = IteratorType::parallel, red = IteratorType::reduction;
  const double inf = std::numeric_limits<double>::infinity();

  // S[b,h,t,u] = scale * sum_i q[b,t,h,i] k[b,u,h,i], masked when causal.
  Value scores = headsProduct(b, loc, swapTokensAndHeads(b, loc, q), false,
                              swapTokensAndHeads(b, loc, k), true, scale);
  scores = elementwise(b, loc, scores, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
    Value x = v[0];
    if (!causal)
      return x;
    Value future = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ugt, index(nb, l, 3),
                                            index(nb, l, 2));
    return nb.create<arith::SelectOp>(l, future, constantLike(nb, l, t, -inf), x);
  });
  // Softmax over u: row maximum, exponentials, row sums, normalization.
  Value rowMax = generic(b, loc, scores, filled(b, loc, rowType, rowSizes, -inf),
                         {b.getMultiDimIdentityMap(4), map(b, 4, {0, 1, 2})}, {par, par, par, red},
                         [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                           return nb.create<arith::MaximumFOp>(l, a[0], a[1]);
                         });
  Value exps = generic(b, loc, ValueRange{scores, rowMax}, emptyOf(b, loc, scoresType, scoreSizes),
                       {b.getMultiDimIdentityMap(4), map(b, 4, {0, 1, 2}), b.getMultiDimIdentityMap(4)},
                       {par, par, par, par}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         return nb.create<math::ExpOp>(l, nb.create<arith::SubFOp>(l, a[0], a[1]));
                       });
  Value rowSum = generic(b, loc, exps, filled(b, loc, rowType, rowSizes, 0.0),
                         {b.getMultiDimIdentityMap(4), map(b, 4, {0, 1, 2})}, {par, par, par, red},
                         [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                           return nb.create<arith::AddFOp>(l, a[0], a[1]);
                         });
  return generic(b, loc, ValueRange{exps, rowSum}, emptyOf(b, loc, scoresType, scoreSizes),
                 {b.getMultiDimIdentityMap(4), map(b, 4, {0, 1, 2}), b.getMultiDimIdentityMap(4)},
                 {par, par, par, par}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                   return nb.create<arith::DivFOp>(l, a[0], a[1]);
                 });
}

void mlir::lip::lowering::populateLowerSequencePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerEmbedding, LowerPositions, LowerMaxMin, LowerConcat, LowerRope, LowerAttention, LowerMeanPool,
               LowerCrossEntropy>(patterns.getContext());
}
