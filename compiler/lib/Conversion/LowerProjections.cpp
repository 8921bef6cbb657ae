//===- LowerProjections.cpp - Lower lipopt weight projections -------------===//
//
// Patterns of convert-lipopt-to-linalg for the constraint projections: the
// spectral soft and hard caps and orthogonalization (polynomial
// iterations), the embedding's row cap and row normalization, spectral
// normalization (a Gram-iteration upper bound of sigma), the spectral
// hammer and spectral weight decay (power iteration), and the exact cap (a
// runtime call). Formulas: dialects/lipopt/Rationale.md.
//
//===----------------------------------------------------------------------===//

#include "OptimizerBuilders.h"

#include "lip/Dialect/LipOpt/LipOptDialect.h"
#include "lipnum/OptMath.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cmath>

using namespace mlir;
using namespace mlir::lip::lowering;
using namespace mlir::lipopt;

namespace {
using utils::IteratorType;

struct LowerSoftCap : OpRewritePattern<SoftCapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftCapOp op, PatternRewriter &b) const override {
    b.replaceOp(op, softCap(b, op.getLoc(), op.getWeight(), op.getAlpha(), op.getWMax().convertToDouble()));
    return success();
  }
};

struct LowerHardCap : OpRewritePattern<HardCapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HardCapOp op, PatternRewriter &b) const override {
    b.replaceOp(op, hardCap(b, op.getLoc(), op.getWeight(), op.getWMax().convertToDouble()));
    return success();
  }
};

struct LowerOrthogonalize : OpRewritePattern<OrthogonalizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OrthogonalizeOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    const auto &set = lipnum::newtonSchulzSet(static_cast<int>(NewtonSchulzSet::jiacheng6));
    SmallVector<std::array<double, 3>> steps(set.begin(), set.end());
    Value o = newtonSchulz(b, loc, op.getWeight(), steps, 1e-12);
    Value scale = normScale(b, loc, op.getType(), op.getWMax().convertToDouble());
    b.replaceOp(op, elementwise(b, loc, o, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
                  return nb.create<arith::MulFOp>(l, v[0], scale);
                }));
    return success();
  }
};

/// Every row of `x` [rows, width] times factor(its RMS), a scalar function
/// built in the loop body.
Value rescaleRows(OpBuilder &b, Location loc, Value x,
                  function_ref<Value(Scalar &, Value row, Value rms)> rescaled) {
  auto type = cast<RankedTensorType>(x.getType());
  Type t = type.getElementType();
  auto rowType = RankedTensorType::get({type.getDimSize(0)}, t);
  Value sums = generic(b, loc, x, filled(b, loc, rowType, {b.getIndexAttr(type.getDimSize(0))}, 0.0),
                       {b.getMultiDimIdentityMap(2), map(b, 2, {0})},
                       {IteratorType::parallel, IteratorType::reduction},
                       [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         return nb.create<arith::AddFOp>(l, a[1], nb.create<arith::MulFOp>(l, a[0], a[0]));
                       });
  double width = static_cast<double>(type.getDimSize(1));
  return generic(b, loc, ValueRange{x, sums}, emptyOf(b, loc, type, sizesOf(b, loc, x)),
                 {b.getMultiDimIdentityMap(2), map(b, 2, {0}), b.getMultiDimIdentityMap(2)},
                 {IteratorType::parallel, IteratorType::parallel},
                 [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                   Scalar n{nb, l, t};
                   return rescaled(n, a[0], nb.create<math::SqrtOp>(l, n.div(a[1], n.c(width))));
                 });
}

struct LowerEmbedCap : OpRewritePattern<EmbedCapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbedCapOp op, PatternRewriter &b) const override {
    double wMax = op.getWMax().convertToDouble();
    b.replaceOp(op, rescaleRows(b, op.getLoc(), op.getWeight(), [&](Scalar &n, Value x, Value rms) {
      return n.select(n.lt(n.c(wMax), rms), n.mul(x, n.div(n.c(wMax), rms)), x);
    }));
    return success();
  }
};

struct LowerNormalizeRows : OpRewritePattern<NormalizeRowsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NormalizeRowsOp op, PatternRewriter &b) const override {
    double floor = 1 / op.getInflation().convertToDouble();
    b.replaceOp(op, rescaleRows(b, op.getLoc(), op.getInput(), [&](Scalar &n, Value x, Value rms) {
      return n.div(x, n.max(n.c(floor), rms));
    }));
    return success();
  }
};

struct LowerSpectralNormalize : OpRewritePattern<SpectralNormalizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SpectralNormalizeOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getWeight().getType());
    Type t = type.getElementType();
    Scalar s{b, loc, t};
    Value x = scaled(b, loc, op.getWeight(), normScale(b, loc, type, op.getWMax().convertToDouble()), true);
    // sigma_up^2 <= prod_i c_i^(1/2^i), c_i the Frobenius norms of the
    // normalized repeated squares of the small Gram matrix.
    Value wide = type.getDimSize(0) > type.getDimSize(1) ? transpose(b, loc, x) : x;
    Value g = matmul(b, loc, wide, wide, /*transposeB=*/true);
    Value logBound = s.c(0.0);
    double weight = 1;
    for (int64_t i = 0; i <= static_cast<int64_t>(op.getGramSteps()); ++i, weight /= 2) {
      Value c = frobenius(b, loc, g);
      logBound = s.add(logBound, s.mul(s.c(weight), b.create<math::LogOp>(loc, c)));
      // A zero matrix (a zero-initialized weight) has c = 0: its bound is
      // exp(-inf) = 0, and dividing by 1 keeps g zero instead of NaN.
      g = scaled(b, loc, g, s.select(s.lt(s.c(0.0), c), c, s.c(1.0)), true);
      if (i < static_cast<int64_t>(op.getGramSteps()))
        g = matmul(b, loc, g, g, false);
    }
    Value sigmaUp = s.mul(b.create<math::SqrtOp>(loc, b.create<math::ExpOp>(loc, logBound)), s.c(1 + 1e-9));
    Value divisor = s.max(sigmaUp, s.c(1.0));
    Value w = scaled(b, loc, op.getWeight(), divisor, true);
    PowerResult power = powerIteration(b, loc, x, op.getVector(), op.getPowerSteps());
    b.replaceOp(op, ValueRange{w, power.v});
    return success();
  }
};

struct LowerSpectralHammer : OpRewritePattern<SpectralHammerOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SpectralHammerOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getWeight().getType());
    Scalar s{b, loc, type.getElementType()};
    Value scale = normScale(b, loc, type, op.getWMax().convertToDouble());
    Value x = scaled(b, loc, op.getWeight(), scale, true);
    PowerResult p = powerIteration(b, loc, x, op.getVector(), op.getPowerSteps());
    x = rankOneUpdate(b, loc, x, p.u, p.v, s.sub(s.c(1.0), p.sigma));
    b.replaceOp(op, ValueRange{scaled(b, loc, x, scale, false), p.v});
    return success();
  }
};

struct LowerSpectralWeightDecay : OpRewritePattern<SpectralWeightDecayOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SpectralWeightDecayOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getWeight().getType());
    Scalar s{b, loc, type.getElementType()};
    PowerResult p = powerIteration(b, loc, op.getWeight(), op.getVector(), op.getPowerSteps());
    Value c = s.mul(s.c(-op.getStrength().convertToDouble()), p.sigma);
    b.replaceOp(op, ValueRange{rankOneUpdate(b, loc, op.getWeight(), p.u, p.v, c), p.v});
    return success();
  }
};

/// The exact cap U min(S, c) V^T needs a symmetric eigendecomposition,
/// which has no linalg form: the runtime's `liprt_exact_cap` computes it
/// (LAPACK, in double precision) from the weight's buffer into a fresh one.
/// The buffers enter and leave tensor land through to_memref / to_tensor,
/// so one-shot bufferization sees a read of the weight and a new tensor.
struct LowerExactCap : OpRewritePattern<ExactCapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ExactCapOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getWeight().getType());
    if (!type.getElementType().isF32() || !type.hasStaticShape())
      return b.notifyMatchFailure(op, "the runtime's exact cap takes static float32 matrices");
    auto bufferType = MemRefType::get(type.getShape(), type.getElementType());
    MemRefType anyLayout = anyLayoutMemRefType(type.getElementType(), 2);
    auto module = op->getParentOfType<ModuleOp>();
    func::FuncOp callee = declareRuntimeFunction(
        module, "liprt_exact_cap",
        FunctionType::get(getContext(), {anyLayout, anyLayout, b.getF64Type()}, {}));
    Value in = b.create<bufferization::ToMemrefOp>(loc, bufferType, op.getWeight());
    Value out = b.create<memref::AllocOp>(loc, bufferType);
    // The cap on the spectral norm that w_max in the RMS->RMS norm means.
    Value cap = b.create<arith::ConstantOp>(
        loc, b.getF64FloatAttr(std::sqrt(static_cast<double>(type.getDimSize(0)) / type.getDimSize(1)) *
                               op.getWMax().convertToDouble()));
    b.create<func::CallOp>(loc, callee,
                           ValueRange{b.create<memref::CastOp>(loc, anyLayout, in),
                                      b.create<memref::CastOp>(loc, anyLayout, out), cap});
    b.replaceOpWithNewOp<bufferization::ToTensorOp>(op, type, out, /*restrict=*/true,
                                                    /*writable=*/true);
    return success();
  }
};

} // namespace

void mlir::lip::lowering::populateLowerProjectionPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerSoftCap, LowerHardCap, LowerOrthogonalize, LowerEmbedCap, LowerNormalizeRows,
               LowerSpectralNormalize, LowerSpectralHammer, LowerSpectralWeightDecay, LowerExactCap>(
      patterns.getContext());
}
