//===- LowerOptimizer.cpp - Lower lipopt schedules and updates ------------===//
//
// Patterns of convert-lipopt-to-linalg for the optimizer: scalar schedules
// and couplings in arith/math (the coupling's bisection in scf.for),
// momentum, Adam and the weight update as multi-result linalg.generic,
// Newton-Schulz, and the fused Muon + soft cap. The projections are in
// LowerProjections.cpp. Formulas: dialects/lipopt/Rationale.md; reference:
// numerics/lib/OptKernels.cpp.
//
//===----------------------------------------------------------------------===//

#include "OptimizerBuilders.h"

#include "lip/Dialect/LipOpt/LipOptDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;
using namespace mlir::lip::lowering;
using namespace mlir::lipopt;

namespace {
/// The momentum's beta at the op's step (a ramp during the warm-up).
template <typename OpT>
Value betaOf(OpBuilder &b, Location loc, OpT op, Type t) {
  Scalar s{b, loc, t};
  double beta = op.getBeta().convertToDouble();
  if (op.getWarmupSteps() <= 0 || !op.getStep())
    return s.c(beta);
  Value step = castTo(b, loc, scalarOf(b, loc, op.getStep()), t);
  double start = op.getBetaStart().convertToDouble();
  Value ramp = s.add(s.c(start), s.mul(s.c((beta - start) / op.getWarmupSteps()), step));
  return s.min(ramp, s.c(beta));
}

/// The momentum's new buffer beta B + (1 - beta) G and the update it gives
/// (the buffer, or with Nesterov (1 - beta) G + beta B').
template <typename OpT>
SmallVector<Value> momentumStep(OpBuilder &b, Location loc, OpT op) {
  Type t = cast<RankedTensorType>(op.getBuffer().getType()).getElementType();
  Value beta = betaOf(b, loc, op, t);
  bool nesterov = op.getNesterov();
  return elementwiseMulti(b, loc, ValueRange{op.getBuffer(), op.getGrad()}, 2,
                          [&](OpBuilder &nb, Location l, ValueRange v) {
                            Scalar s{nb, l, t};
                            Value keep = s.sub(s.c(1.0), beta);
                            Value next = s.add(s.mul(beta, v[0]), s.mul(keep, v[1]));
                            Value update = nesterov ? s.add(s.mul(keep, v[1]), s.mul(beta, next)) : next;
                            return SmallVector<Value>{next, update};
                          });
}

struct LowerLearningRate : OpRewritePattern<LearningRateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LearningRateOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Type t = op.getType().getElementType();
    Scalar s{b, loc, t};
    Value step = scalarOf(b, loc, op.getStep());
    double base = op.getBase().convertToDouble(), warmup = op.getWarmup();
    // The run-time horizon, when there is one, replaces the compiled steps.
    Value horizon = op.getHorizon() ? scalarOf(b, loc, op.getHorizon())
                                    : s.c(static_cast<double>(op.getSteps()));
    Value total = s.max(s.sub(horizon, s.c(warmup)), s.c(1.0));
    Value x = s.div(s.sub(step, s.c(warmup)), total); // progress after warm-up
    Value rate;
    switch (op.getSchedule()) {
    case Schedule::constant:
      rate = s.c(base);
      break;
    case Schedule::linear:
      rate = s.mul(s.c(base), s.max(s.c(0.0), s.sub(s.c(1.0), x)));
      break;
    case Schedule::cosine:
      rate = s.mul(s.c(0.5 * base),
                   s.add(s.c(1.0), b.create<math::CosOp>(loc, s.mul(s.c(M_PI), s.min(x, s.c(1.0))))));
      break;
    case Schedule::cooldown: {
      double fraction = op.getFraction().convertToDouble(), floor = op.getFloor().convertToDouble();
      Value w = s.max(s.c(0.0), s.div(s.sub(s.c(1.0), x), s.c(fraction)));
      Value decayed = s.mul(s.c(base), s.add(w, s.mul(s.sub(s.c(1.0), w), s.c(floor))));
      rate = s.select(s.lt(x, s.c(1 - fraction)), s.c(base), decayed);
      break;
    }
    }
    if (op.getWarmup() > 0)
      rate = s.select(s.lt(step, s.c(warmup)), s.mul(s.c(base / warmup), s.add(step, s.c(1.0))), rate);
    if (op.getScale())
      rate = s.mul(rate, scalarOf(b, loc, op.getScale()));
    b.replaceOp(op, scalarTensor(b, loc, rate));
    return success();
  }
};

struct LowerSoftCapCoupling : OpRewritePattern<SoftCapCouplingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftCapCouplingOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Type t = op.getType().getElementType();
    Scalar s{b, loc, t};
    Value lr = scalarOf(b, loc, op.getLr());
    Value k = s.add(s.sub(s.c(1.0), s.mul(s.c(op.getDecay().convertToDouble()), lr)),
                    s.mul(lr, s.c(op.getUpdateNorm().convertToDouble() / op.getWMax().convertToDouble())));
    // Bisection on g(t) = 1/k with g(t) = 1 - 3t^2 + 3t^3 - t^4 decreasing.
    Value target = s.div(s.c(1.0), k);
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
    Value iterations = b.create<arith::ConstantIndexOp>(loc, 100);
    auto loop = b.create<scf::ForOp>(
        loc, zero, iterations, one, ValueRange{s.c(0.0), s.c(1.0)},
        [&](OpBuilder &nb, Location l, Value, ValueRange lohi) {
          Scalar n{nb, l, t};
          Value mid = n.mul(n.c(0.5), n.add(lohi[0], lohi[1]));
          Value m2 = n.mul(mid, mid);
          Value g = n.sub(n.add(n.sub(n.c(1.0), n.mul(n.c(3.0), m2)), n.mul(n.c(3.0), n.mul(m2, mid))),
                          n.mul(m2, m2));
          Value above = n.lt(target, g);
          nb.create<scf::YieldOp>(l, ValueRange{n.select(above, mid, lohi[0]),
                                                n.select(above, lohi[1], mid)});
        });
    Value alpha = s.div(loop.getResult(1), s.mul(k, k));
    Value result = s.select(s.lt(s.c(1.0), k), alpha, s.c(0.0));
    b.replaceOp(op, scalarTensor(b, loc, result));
    return success();
  }
};

struct LowerMomentum : OpRewritePattern<MomentumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MomentumOp op, PatternRewriter &b) const override {
    b.replaceOp(op, momentumStep(b, op.getLoc(), op));
    return success();
  }
};
struct LowerNewtonSchulz : OpRewritePattern<NewtonSchulzOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NewtonSchulzOp op, PatternRewriter &b) const override {
    b.replaceOp(op, newtonSchulz(b, op.getLoc(), op.getInput(), op.getSteps(),
                                 op.getEps().convertToDouble()));
    return success();
  }
};

struct LowerAdam : OpRewritePattern<AdamOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AdamOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Type t = cast<RankedTensorType>(op.getM().getType()).getElementType();
    Scalar s{b, loc, t};
    double b1 = op.getBeta1().convertToDouble(), b2 = op.getBeta2().convertToDouble();
    Value count = s.add(castTo(b, loc, scalarOf(b, loc, op.getStep()), t), s.c(1.0));
    Value c1 = s.sub(s.c(1.0), b.create<math::PowFOp>(loc, s.c(b1), count));
    Value c2 = s.sub(s.c(1.0), b.create<math::PowFOp>(loc, s.c(b2), count));
    double eps = op.getEps().convertToDouble();
    b.replaceOp(op, elementwiseMulti(b, loc, ValueRange{op.getM(), op.getV(), op.getGrad()}, 3,
                                     [&](OpBuilder &nb, Location l, ValueRange v) {
                                       Scalar n{nb, l, t};
                                       Value m = n.add(n.mul(n.c(b1), v[0]), n.mul(n.c(1 - b1), v[2]));
                                       Value w = n.add(n.mul(n.c(b2), v[1]),
                                                       n.mul(n.c(1 - b2), n.mul(v[2], v[2])));
                                       Value root = nb.create<math::SqrtOp>(l, n.div(w, c2));
                                       Value d = n.div(n.div(m, c1), n.add(root, n.c(eps)));
                                       return SmallVector<Value>{m, w, d};
                                     }));
    return success();
  }
};

/// W (1 - decay lr) - lr scale U.
Value applyUpdate(OpBuilder &b, Location loc, Value w, Value u, Value lrTensor, double scale,
                  double decay) {
  Type t = cast<RankedTensorType>(w.getType()).getElementType();
  Value lr = castTo(b, loc, scalarOf(b, loc, lrTensor), t);
  Scalar s{b, loc, t};
  Value keep = s.sub(s.c(1.0), s.mul(s.c(decay), lr)), step = s.mul(lr, s.c(scale));
  return elementwise(b, loc, ValueRange{w, u}, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
    Scalar n{nb, l, t};
    return n.sub(n.mul(v[0], keep), n.mul(step, v[1]));
  });
}

struct LowerApplyUpdate : OpRewritePattern<ApplyUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ApplyUpdateOp op, PatternRewriter &b) const override {
    b.replaceOp(op, applyUpdate(b, op.getLoc(), op.getWeight(), op.getUpdate(), op.getLr(),
                                op.getScale().convertToDouble(), op.getDecay().convertToDouble()));
    return success();
  }
};

/// The fused op, as its sequence (the fused kernel comes with code
/// generation's elementwise fusion).
struct LowerMuonSoftCap : OpRewritePattern<MuonSoftCapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MuonSoftCapOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    SmallVector<Value> mom = momentumStep(b, loc, op);
    Value o = newtonSchulz(b, loc, mom[1], op.getSteps(), op.getEps().convertToDouble());
    Value w = applyUpdate(b, loc, op.getWeight(), o, op.getLr(), op.getScale().convertToDouble(),
                          op.getDecay().convertToDouble());
    b.replaceOp(op, ValueRange{softCap(b, loc, w, op.getAlpha(), op.getWMax().convertToDouble()), mom[0]});
    return success();
  }
};
} // namespace

void mlir::lip::lowering::populateLowerOptimizerPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerLearningRate, LowerSoftCapCoupling, LowerMomentum, LowerNewtonSchulz, LowerAdam,
               LowerApplyUpdate, LowerMuonSoftCap>(patterns.getContext());
}
