//===- LowerBackward.cpp - Lower the backward lip ops to linalg -----------===//
//
// Patterns of convert-lip-to-linalg for the ops reverse-mode differentiation
// builds (LipGradOps.td): matmuls for the linear layer's two gradients,
// elementwise derivatives, a scatter-add (scf.for) for the embedding, the
// parts of a concat's gradient, and the attention backward through
// recomputed attention weights.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include "lip/Dialect/Lip/LipDialect.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::lip;
using namespace mlir::lip::lowering;

namespace {
using utils::IteratorType;

/// Collapses all leading dimensions of `v` into rows: [..., n] -> [rows, n].
Value rowsOf(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 2)
    return v;
  ReassociationIndices leading;
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    leading.push_back(i);
  return b.create<tensor::CollapseShapeOp>(
      loc, v, SmallVector<ReassociationIndices>{leading, {type.getRank() - 1}});
}

/// `v` collapsed to rank 1 (token ids or targets of any batch shape).
Value flattened(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 1)
    return v;
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  return b.create<tensor::CollapseShapeOp>(loc, v, SmallVector<ReassociationIndices>{all});
}

struct LowerLinearGradInput : OpRewritePattern<LinearGradInputOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearGradInputOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value dy = rowsOf(b, loc, op.getResultGrad());
    auto rows = cast<RankedTensorType>(dy.getType());
    auto type = RankedTensorType::get({rows.getDimSize(0), op.getType().getShape().back()},
                                      op.getType().getElementType());
    SmallVector<OpFoldResult> sizes = {sizesOf(b, loc, dy)[0], b.getIndexAttr(type.getDimSize(1))};
    Value dx = b.create<linalg::MatmulOp>(loc, type, ValueRange{dy, op.getWeight()},
                                          ValueRange{filled(b, loc, type, sizes, 0.0)})
                   .getResult(0);
    if (op.getType().getRank() > 2) {
      SmallVector<OpFoldResult> shape = sizesOf(b, loc, op.getResultGrad());
      shape.back() = b.getIndexAttr(type.getDimSize(1));
      ReassociationIndices leading;
      for (int64_t i = 0; i + 1 < op.getType().getRank(); ++i)
        leading.push_back(i);
      dx = b.create<tensor::ExpandShapeOp>(
          loc, op.getType(), dx,
          SmallVector<ReassociationIndices>{leading, {op.getType().getRank() - 1}}, shape);
    }
    b.replaceOp(op, dx);
    return success();
  }
};

struct LowerLinearGradWeight : OpRewritePattern<LinearGradWeightOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearGradWeightOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value dy = rowsOf(b, loc, op.getResultGrad()), x = rowsOf(b, loc, op.getInput());
    auto type = op.getType();
    Value zero = filled(b, loc, type, {b.getIndexAttr(type.getDimSize(0)), b.getIndexAttr(type.getDimSize(1))}, 0.0);
    b.replaceOp(op, b.create<linalg::MatmulTransposeAOp>(loc, type, ValueRange{dy, x}, ValueRange{zero})
                        .getResult(0));
    return success();
  }
};

struct LowerEmbeddingGrad : OpRewritePattern<EmbeddingGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingGradOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value dy = rowsOf(b, loc, op.getResultGrad());
    Value ids = flattened(b, loc, op.getIds());
    auto type = op.getType();
    // dE[ids[n], :] += dy[n, :], token by token in order (a scatter-add:
    // N x width additions, where a one-hot contraction would take
    // N x vocab x width).
    Value zero = filled(b, loc, type, {b.getIndexAttr(type.getDimSize(0)), b.getIndexAttr(type.getDimSize(1))}, 0.0);
    Value c0 = indexConstant(b, loc, 0), c1 = indexConstant(b, loc, 1);
    Value tokens = b.create<tensor::DimOp>(loc, ids, 0);
    Value width = indexConstant(b, loc, type.getDimSize(1));
    auto outer = b.create<scf::ForOp>(
        loc, c0, tokens, c1, ValueRange{zero}, [&](OpBuilder &ob, Location l, Value n, ValueRange acc) {
          Value id = ob.create<tensor::ExtractOp>(l, ids, ValueRange{n});
          Value row = ob.create<arith::IndexCastOp>(l, ob.getIndexType(), id);
          auto inner = ob.create<scf::ForOp>(
              l, c0, width, c1, acc, [&](OpBuilder &ib, Location il, Value j, ValueRange rowAcc) {
                Value sum = ib.create<arith::AddFOp>(
                    il, ib.create<tensor::ExtractOp>(il, rowAcc[0], ValueRange{row, j}),
                    ib.create<tensor::ExtractOp>(il, dy, ValueRange{n, j}));
                ib.create<scf::YieldOp>(il, ValueRange{
                    ib.create<tensor::InsertOp>(il, sum, rowAcc[0], ValueRange{row, j})});
              });
          ob.create<scf::YieldOp>(l, inner.getResults());
        });
    Value grad = outer.getResult(0);
    b.replaceOp(op, grad);
    return success();
  }
};

/// dy times the local derivative of an elementwise op at x.
template <typename OpT>
struct PointwiseGrad : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  virtual Value derivative(OpT op, OpBuilder &b, Location loc, Value x) const = 0;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &b) const override {
    b.replaceOp(op, elementwise(b, op.getLoc(), ValueRange{op.getInput(), op.getResultGrad()},
                                [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
                                  return nb.create<arith::MulFOp>(l, derivative(op, nb, l, v[0]), v[1]);
                                }));
    return success();
  }
};

struct LowerReluGrad : PointwiseGrad<ReluGradOp> {
  using PointwiseGrad::PointwiseGrad;
  Value derivative(ReluGradOp, OpBuilder &b, Location l, Value x) const override {
    Type t = x.getType();
    Value positive = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, x, constantLike(b, l, t, 0.0));
    return b.create<arith::SelectOp>(l, positive, constantLike(b, l, t, 1.0), constantLike(b, l, t, 0.0));
  }
};

struct LowerAbsGrad : PointwiseGrad<AbsGradOp> {
  using PointwiseGrad::PointwiseGrad;
  Value derivative(AbsGradOp, OpBuilder &b, Location l, Value x) const override {
    Type t = x.getType();
    Value zero = constantLike(b, l, t, 0.0);
    Value positive = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, x, zero);
    Value negative = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, x, zero);
    return b.create<arith::SelectOp>(
        l, positive, constantLike(b, l, t, 1.0),
        b.create<arith::SelectOp>(l, negative, constantLike(b, l, t, -1.0), zero));
  }
};

struct LowerGeluGrad : PointwiseGrad<GeluGradOp> {
  using PointwiseGrad::PointwiseGrad;
  Value derivative(GeluGradOp op, OpBuilder &b, Location l, Value x) const override {
    Type t = x.getType();
    auto c = [&](double v) { return constantLike(b, l, t, v); };
    auto mul = [&](Value p, Value q) { return b.create<arith::MulFOp>(l, p, q).getResult(); };
    auto add = [&](Value p, Value q) { return b.create<arith::AddFOp>(l, p, q).getResult(); };
    Value slope;
    if (op.getTanh()) {
      // 0.5 (1 + u) + 0.5 x (1 - u^2) k (1 + 3 a x^2), u = tanh(k (x + a x^3))
      double k = std::sqrt(2 / M_PI), a = 0.044715;
      Value x2 = mul(x, x);
      Value u = b.create<math::TanhOp>(l, mul(c(k), add(x, mul(c(a), mul(x2, x)))));
      Value left = mul(c(0.5), add(c(1.0), u));
      Value sech2 = b.create<arith::SubFOp>(l, c(1.0), mul(u, u));
      slope = add(left, mul(mul(mul(c(0.5 * k), x), sech2), add(c(1.0), mul(c(3 * a), x2))));
    } else {
      // Phi(x) + x phi(x)
      Value cdf = mul(c(0.5), add(c(1.0), b.create<math::ErfOp>(l, mul(c(1 / std::sqrt(2.0)), x))));
      Value pdf = mul(c(1 / std::sqrt(2 * M_PI)), b.create<math::ExpOp>(l, mul(c(-0.5), mul(x, x))));
      slope = add(cdf, mul(x, pdf));
    }
    return mul(c(op.getScale().convertToDouble()), slope);
  }
};

struct LowerMaxMinGrad : OpRewritePattern<MaxMinGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaxMinGradOp op, PatternRewriter &b) const override {
    Value x = op.getInput(), dy = op.getResultGrad();
    unsigned rank = op.getType().getRank();
    // The max of a pair was the first element unless x[2i] < x[2i+1]; then
    // the two gradients swap.
    b.replaceOp(op, elementwise(b, op.getLoc(), ValueRange{x, dy},
                                [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
      SmallVector<Value> at;
      for (unsigned d = 0; d < rank; ++d)
        at.push_back(index(nb, l, d));
      Value i = at.back(), one = indexConstant(nb, l, 1);
      Value even = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq,
                                            nb.create<arith::AndIOp>(l, i, one), indexConstant(nb, l, 0));
      at.back() = nb.create<arith::SelectOp>(l, even, nb.create<arith::AddIOp>(l, i, one),
                                             nb.create<arith::SubIOp>(l, i, one));
      Value partner = nb.create<tensor::ExtractOp>(l, x, at);
      Value partnerGrad = nb.create<tensor::ExtractOp>(l, dy, at);
      Value first = nb.create<arith::SelectOp>(l, even, v[0], partner);
      Value second = nb.create<arith::SelectOp>(l, even, partner, v[0]);
      Value swapped = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, first, second);
      return nb.create<arith::SelectOp>(l, swapped, partnerGrad, v[1]);
    }));
    return success();
  }
};

/// dv = f P^T dy, dP = f dy v^T, dS = P (dP - rowsum(P dP)),
/// dq = (s/d) dS k, dk = (s/d) dS^T q, per batch and head.
struct LowerAttentionGrad : OpRewritePattern<AttentionGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionGradOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue(), dy = op.getResultGrad();
    auto type = cast<RankedTensorType>(q.getType());
    Type t = type.getElementType();
    double f = op.getOutputFactor().convertToDouble();
    double c = op.getLogitScale().convertToDouble() / type.getDimSize(3);
    Value p = attentionWeights(b, loc, q, k, op.getCausal(), op.getLogitScale().convertToDouble());
    SmallVector<OpFoldResult> s = sizesOf(b, loc, q);
    auto scoresType = cast<RankedTensorType>(p.getType());
    auto rowType = RankedTensorType::get({type.getDimSize(0), type.getDimSize(2), type.getDimSize(1)}, t);
    auto par = IteratorType::parallel, red = IteratorType::reduction;
    auto fma = [&](double scale) {
      return [&, scale](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value prod = nb.create<arith::MulFOp>(l, a[0], a[1]);
        return nb.create<arith::AddFOp>(
            l, a[2], nb.create<arith::MulFOp>(l, constantLike(nb, l, t, scale), prod));
      };
    };
    // Per (batch, head), with P, dP, dS [t, u] and q, k, v, dy [t, i]:
    // dv = f P^T dy, dP = f dy v^T, dS = P (dP - rowsum(P dP)),
    // dq = c dS k, dk = c dS^T q.
    SmallVector<OpFoldResult> scoreSizes = {s[0], s[2], s[1], s[1]}, rowSizes = {s[0], s[2], s[1]};
    auto heads = [&](Value x) { return swapTokensAndHeads(b, loc, x); };
    Value qh = heads(q), kh = heads(k), vh = heads(v), dyh = heads(dy);
    Value dv = heads(headsProduct(b, loc, p, true, dyh, false, f));
    Value dp = headsProduct(b, loc, dyh, false, vh, true, f);
    Value rowDot = generic(b, loc, ValueRange{p, dp}, filled(b, loc, rowType, rowSizes, 0.0),
                           {b.getMultiDimIdentityMap(4), b.getMultiDimIdentityMap(4), map(b, 4, {0, 1, 2})},
                           {par, par, par, red}, fma(1.0));
    Value ds = generic(b, loc, ValueRange{p, dp, rowDot}, emptyOf(b, loc, scoresType, scoreSizes),
                       {b.getMultiDimIdentityMap(4), b.getMultiDimIdentityMap(4), map(b, 4, {0, 1, 2}),
                        b.getMultiDimIdentityMap(4)},
                       {par, par, par, par}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         return nb.create<arith::MulFOp>(l, a[0], nb.create<arith::SubFOp>(l, a[1], a[2]));
                       });
    Value dq = heads(headsProduct(b, loc, ds, false, kh, false, c));
    Value dk = heads(headsProduct(b, loc, ds, true, qh, false, c));
    b.replaceOp(op, ValueRange{dq, dk, dv});
    return success();
  }
};

struct LowerRopeGrad : OpRewritePattern<RopeGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RopeGradOp op, PatternRewriter &b) const override {
    b.replaceOp(op, rotate(b, op.getLoc(), op.getResultGrad(), op.getBase().convertToDouble(),
                           /*transpose=*/true));
    return success();
  }
};

struct LowerUnflatten : OpRewritePattern<UnflattenOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(UnflattenOp op, PatternRewriter &b) const override {
    ReassociationIndices features;
    for (int64_t i = 1; i < op.getType().getRank(); ++i)
      features.push_back(i);
    SmallVector<OpFoldResult> shape = {sizesOf(b, op.getLoc(), op.getInput())[0]};
    for (int64_t d : op.getType().getShape().drop_front())
      shape.push_back(b.getIndexAttr(d));
    b.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, op.getType(), op.getInput(),
                                                SmallVector<ReassociationIndices>{{0}, features}, shape);
    return success();
  }
};

struct LowerMeanPoolGrad : OpRewritePattern<MeanPoolGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MeanPoolGradOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    SmallVector<OpFoldResult> in = sizesOf(b, loc, op.getResultGrad());
    double tokens = static_cast<double>(type.getDimSize(1));
    Value spread = generic(b, loc, op.getResultGrad(),
                           emptyOf(b, loc, type, {in[0], b.getIndexAttr(type.getDimSize(1)), in[1]}),
                           {map(b, 3, {0, 2}), b.getMultiDimIdentityMap(3)},
                           {IteratorType::parallel, IteratorType::parallel, IteratorType::parallel},
                           [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                             return nb.create<arith::DivFOp>(
                                 l, a[0], constantLike(nb, l, type.getElementType(), tokens));
                           });
    b.replaceOp(op, spread);
    return success();
  }
};

/// One part of a concat's gradient: a slice of dy's features, which
/// bufferizes to a view. (A generic that reads dy through an identity map
/// would take its loop range from dy's wider last dimension.)
struct LowerConcatGrad : OpRewritePattern<ConcatGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatGradOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, op.getResultGrad());
    sizes.back() = b.getIndexAttr(type.getShape().back());
    SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
    offsets.back() = b.getIndexAttr(op.getOffset());
    SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
    b.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, op.getResultGrad(), offsets, sizes,
                                                 strides);
    return success();
  }
};

struct LowerCrossEntropyGrad : OpRewritePattern<CrossEntropyGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyGradOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value z = rowsOf(b, loc, op.getLogits());
    Value y = flattened(b, loc, op.getTargets());
    auto zType = cast<RankedTensorType>(z.getType());
    Type t = zType.getElementType();
    auto par = IteratorType::parallel;
    auto [rowMax, sumExp] = softmaxStatistics(b, loc, z);
    Value lossGrad = b.create<tensor::ExtractOp>(loc, op.getLossGrad(), ValueRange{});
    Value rows = sizeAsFloat(b, loc, z, 0, t);
    Value scale = b.create<arith::DivFOp>(loc, lossGrad, rows);
    // dz[n, c] = dl / N * (exp(z - max) / sum - [c == y[n]])
    Value dz = generic(
        b, loc, ValueRange{z, rowMax, sumExp, y}, emptyOf(b, loc, zType, sizesOf(b, loc, z)),
        {b.getMultiDimIdentityMap(2), map(b, 2, {0}), map(b, 2, {0}), map(b, 2, {0}),
         b.getMultiDimIdentityMap(2)},
        {par, par}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value p = nb.create<arith::DivFOp>(
              l, nb.create<math::ExpOp>(l, nb.create<arith::SubFOp>(l, a[0], a[1])), a[2]);
          Value label = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), a[3]);
          Value hit = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, label, index(nb, l, 1));
          Value target = nb.create<arith::SelectOp>(l, hit, constantLike(nb, l, t, 1.0),
                                                    constantLike(nb, l, t, 0.0));
          return nb.create<arith::MulFOp>(l, scale, nb.create<arith::SubFOp>(l, p, target));
        });
    if (op.getType().getRank() != 2) {
      ReassociationIndices leading;
      for (int64_t i = 0; i + 1 < op.getType().getRank(); ++i)
        leading.push_back(i);
      SmallVector<OpFoldResult> shape = sizesOf(b, loc, op.getLogits());
      dz = b.create<tensor::ExpandShapeOp>(
          loc, op.getType(), dz,
          SmallVector<ReassociationIndices>{leading, {op.getType().getRank() - 1}}, shape);
    }
    b.replaceOp(op, dz);
    return success();
  }
};
} // namespace

void mlir::lip::lowering::populateLowerBackwardPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAttentionGrad, LowerLinearGradInput, LowerLinearGradWeight, LowerEmbeddingGrad,
               LowerReluGrad,
               LowerAbsGrad, LowerGeluGrad, LowerMaxMinGrad, LowerRopeGrad, LowerUnflatten,
               LowerMeanPoolGrad, LowerConcatGrad, LowerCrossEntropyGrad>(patterns.getContext());
}
