//===- LowerOptimizer.cpp - Lower lipopt updates and projections ----------===//
//
// Patterns of convert-lip-to-linalg for the lipopt ops: scalar schedules and
// couplings in arith/math (the coupling's bisection in scf.for), elementwise
// updates as multi-result linalg.generic, and the polynomial iterations
// (Newton-Schulz, soft and hard caps) as matmuls on the wide side, on the
// matrix or on its Gram matrix, whichever takes fewer flops. Formulas:
// dialects/lipopt/Rationale.md; reference: numerics/lib/OptKernels.cpp.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"

#include "lip/Dialect/LipOpt/LipOptDialect.h"
#include "lipnum/OptMath.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::lip::lowering;
using namespace mlir::lipopt;

namespace {
using utils::IteratorType;

/// The value of a 0-d tensor.
Value scalarOf(OpBuilder &b, Location loc, Value tensor) {
  return b.create<tensor::ExtractOp>(loc, tensor, ValueRange{});
}

/// A 0-d tensor holding `v`.
Value scalarTensor(OpBuilder &b, Location loc, Value v) {
  return b.create<tensor::FromElementsOp>(loc, RankedTensorType::get({}, v.getType()), v);
}

/// `v` converted to float type `t`.
Value castTo(OpBuilder &b, Location loc, Value v, Type t) {
  if (v.getType() == t)
    return v;
  if (t.getIntOrFloatBitWidth() > v.getType().getIntOrFloatBitWidth())
    return b.create<arith::ExtFOp>(loc, t, v);
  return b.create<arith::TruncFOp>(loc, t, v);
}

/// Scalar arithmetic with less noise.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type t;
  Value c(double v) { return constantLike(b, loc, t, v); }
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }
  Value div(Value x, Value y) { return b.create<arith::DivFOp>(loc, x, y); }
  Value max(Value x, Value y) { return b.create<arith::MaximumFOp>(loc, x, y); }
  Value min(Value x, Value y) { return b.create<arith::MinimumFOp>(loc, x, y); }
  Value lt(Value x, Value y) { return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x, y); }
  Value select(Value cond, Value x, Value y) { return b.create<arith::SelectOp>(loc, cond, x, y); }
};

/// A generic over equal-shape matrices with several results.
SmallVector<Value> elementwiseMulti(OpBuilder &b, Location loc, ValueRange inputs, unsigned results,
                                    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  SmallVector<Value> inits;
  for (unsigned i = 0; i < results; ++i)
    inits.push_back(emptyOf(b, loc, type, sizesOf(b, loc, inputs[0])));
  SmallVector<AffineMap> maps(inputs.size() + results, b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<IteratorType> iterators(type.getRank(), IteratorType::parallel);
  SmallVector<Type> types(results, type);
  auto generic = b.create<linalg::GenericOp>(
      loc, types, inputs, inits, maps, iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        nb.create<linalg::YieldOp>(l, body(nb, l, args.take_front(inputs.size())));
      });
  return generic.getResults();
}

Value transpose(OpBuilder &b, Location loc, Value m) {
  auto type = cast<RankedTensorType>(m.getType());
  auto t = RankedTensorType::get({type.getDimSize(1), type.getDimSize(0)}, type.getElementType());
  Value init = emptyOf(b, loc, t, {b.getIndexAttr(t.getDimSize(0)), b.getIndexAttr(t.getDimSize(1))});
  return b.create<linalg::TransposeOp>(loc, m, init, ArrayRef<int64_t>{1, 0}).getResult()[0];
}

Value matmul(OpBuilder &b, Location loc, Value x, Value y, bool transposeB) {
  auto xt = cast<RankedTensorType>(x.getType()), yt = cast<RankedTensorType>(y.getType());
  int64_t cols = transposeB ? yt.getDimSize(0) : yt.getDimSize(1);
  auto type = RankedTensorType::get({xt.getDimSize(0), cols}, xt.getElementType());
  Value zero = filled(b, loc, type, {b.getIndexAttr(xt.getDimSize(0)), b.getIndexAttr(cols)}, 0.0);
  if (transposeB)
    return b.create<linalg::MatmulTransposeBOp>(loc, type, ValueRange{x, y}, ValueRange{zero}).getResult(0);
  return b.create<linalg::MatmulOp>(loc, type, ValueRange{x, y}, ValueRange{zero}).getResult(0);
}

/// One odd polynomial step on a wide X: X <- (a I + b A + c A^2) X with
/// A = X X^T; `c` is null when the step has no A^2 term (the soft cap).
struct OddStep {
  Value a, b, c;
};

/// b A + c A^2, plus `a` on the diagonal when `withIdentity`.
Value polynomialOf(OpBuilder &b, Location loc, const OddStep &s, Value a, bool withIdentity) {
  SmallVector<Value> inputs = {a};
  if (s.c)
    inputs.push_back(matmul(b, loc, a, a, false));
  return elementwise(b, loc, inputs, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
    Scalar k{nb, l, v[0].getType()};
    Value sum = k.mul(s.b, v[0]);
    if (s.c)
      sum = k.add(sum, k.mul(s.c, v[1]));
    if (!withIdentity)
      return sum;
    Value diagonal = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, index(nb, l, 0), index(nb, l, 1));
    return k.add(sum, k.select(diagonal, s.a, k.c(0.0)));
  });
}

/// The steps applied to X one by one: each costs two n x n x m products.
Value stepsOnMatrix(OpBuilder &b, Location loc, Value x, ArrayRef<OddStep> steps) {
  for (const OddStep &s : steps) {
    Value px = matmul(b, loc, polynomialOf(b, loc, s, matmul(b, loc, x, x, true), false), x, false);
    x = elementwise(b, loc, ValueRange{x, px}, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
      Scalar k{nb, l, v[0].getType()};
      return k.add(k.mul(s.a, v[0]), v[1]);
    });
  }
  return x;
}

/// The same steps carried out on the Gram matrix: every P_k is a polynomial
/// in A_0 = X X^T, so they commute, A_{k+1} = P_k^2 A_k and the result is
/// (P_K ... P_0) X. Two n x n x m products in all, the rest n x n.
Value stepsOnGram(OpBuilder &b, Location loc, Value x, ArrayRef<OddStep> steps) {
  Value a = matmul(b, loc, x, x, true), product;
  for (auto [k, s] : llvm::enumerate(steps)) {
    Value p = polynomialOf(b, loc, s, a, true);
    product = product ? matmul(b, loc, p, product, false) : p;
    if (k + 1 < steps.size())
      a = matmul(b, loc, p, matmul(b, loc, p, a, false), false);
  }
  return matmul(b, loc, product, x, false);
}

/// Runs the steps on a wide n x m X, on X itself or on its Gram matrix,
/// whichever takes fewer flops (the Gram form wins once m > ~1.5 n). Both are
/// the same polynomial, but the Gram matrix holds sigma^2: float32 rounding of
/// a small sigma's square is a large error in sigma, which steps that amplify
/// small singular values (Newton-Schulz, ~4x each) would blow up. So such steps
/// go `segment` at a time, X rebuilt between segments: three Newton-Schulz
/// steps per Gram matrix keep the float64 agreement of the direct form.
Value oddPolynomial(OpBuilder &b, Location loc, Value x, ArrayRef<OddStep> steps,
                    size_t segment = std::numeric_limits<size_t>::max()) {
  auto type = cast<RankedTensorType>(x.getType());
  double n = type.getDimSize(0), m = type.getDimSize(1);
  for (size_t start = 0; start < steps.size(); start += segment) {
    ArrayRef<OddStep> part = steps.slice(start, std::min(segment, steps.size() - start));
    double direct = 0, gram = 4 * n * n * m + 4 * n * n * n * (part.size() - 1);
    for (const OddStep &s : part) {
      double square = s.c ? 2 * n * n * n : 0;
      direct += 4 * n * n * m + square;
      gram += square + 2 * n * n * n;
    }
    x = gram < direct ? stepsOnGram(b, loc, x, part) : stepsOnMatrix(b, loc, x, part);
  }
  return x;
}

/// Newton-Schulz steps per Gram matrix (see oddPolynomial).
constexpr size_t kNewtonSchulzSegment = 3;

/// Constant steps (Newton-Schulz, hard cap) in the element type `t`.
SmallVector<OddStep> constantSteps(OpBuilder &b, Location loc, Type t,
                                   ArrayRef<std::array<double, 3>> coefficients) {
  SmallVector<OddStep> steps;
  for (const auto &c : coefficients)
    steps.push_back({constantLike(b, loc, t, c[0]), constantLike(b, loc, t, c[1]),
                     c[2] == 0.0 ? Value() : constantLike(b, loc, t, c[2])});
  return steps;
}

/// Runs `iterate` on the wide form of `m` divided by `scale`, then returns to
/// m's orientation, multiplying by `scale` again when `restore` (projections
/// keep the weight's scale; Newton-Schulz returns the orthogonal factor).
Value onWide(OpBuilder &b, Location loc, Value m, Value scale, function_ref<Value(Value)> iterate,
             bool restore = true) {
  auto type = cast<RankedTensorType>(m.getType());
  bool tall = type.getDimSize(0) > type.getDimSize(1);
  Value x = tall ? transpose(b, loc, m) : m;
  x = elementwise(b, loc, x, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
    return nb.create<arith::DivFOp>(l, v[0], scale);
  });
  x = iterate(x);
  if (restore)
    x = elementwise(b, loc, x, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
      return nb.create<arith::MulFOp>(l, v[0], scale);
    });
  return tall ? transpose(b, loc, x) : x;
}

/// sqrt(fan_out / fan_in) * w_max, the normalization of a projection.
Value normScale(OpBuilder &b, Location loc, RankedTensorType type, double wMax) {
  return constantLike(b, loc, type.getElementType(),
                      std::sqrt(static_cast<double>(type.getDimSize(0)) / type.getDimSize(1)) * wMax);
}

Value frobenius(OpBuilder &b, Location loc, Value m) {
  auto type = cast<RankedTensorType>(m.getType());
  auto scalarType = RankedTensorType::get({}, type.getElementType());
  Value sum = generic(b, loc, m, filled(b, loc, scalarType, {}, 0.0),
                      {b.getMultiDimIdentityMap(2), AffineMap::get(2, 0, {}, b.getContext())},
                      {IteratorType::reduction, IteratorType::reduction},
                      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                        return nb.create<arith::AddFOp>(l, a[1], nb.create<arith::MulFOp>(l, a[0], a[0]));
                      });
  return b.create<math::SqrtOp>(loc, scalarOf(b, loc, sum));
}

/// msign(M) by the Newton-Schulz `steps`.
Value newtonSchulz(OpBuilder &b, Location loc, Value m, ArrayRef<std::array<double, 3>> steps, double eps) {
  Type t = cast<RankedTensorType>(m.getType()).getElementType();
  Value norm = b.create<arith::AddFOp>(loc, frobenius(b, loc, m), constantLike(b, loc, t, eps));
  return onWide(
      b, loc, m, norm,
      [&](Value x) { return oddPolynomial(b, loc, x, constantSteps(b, loc, t, steps), kNewtonSchulzSegment); },
      /*restore=*/false);
}

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
    Type t = cast<RankedTensorType>(op.getNewBuffer().getType()).getElementType();
    Value beta = betaOf(b, op.getLoc(), op, t);
    bool nesterov = op.getNesterov();
    b.replaceOp(op, elementwiseMulti(b, op.getLoc(), ValueRange{op.getBuffer(), op.getGrad()}, 2,
                                     [&](OpBuilder &nb, Location l, ValueRange v) {
                                       Scalar s{nb, l, t};
                                       Value keep = s.sub(s.c(1.0), beta);
                                       Value next = s.add(s.mul(beta, v[0]), s.mul(keep, v[1]));
                                       Value update = nesterov ? s.add(s.mul(keep, v[1]), s.mul(beta, next)) : next;
                                       return SmallVector<Value>{next, update};
                                     }));
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

/// X -= alpha X X^T X; X += alpha X X^T X, on X = W / (s w_max).
Value softCap(OpBuilder &b, Location loc, Value w, Value alphaTensor, double wMax) {
  auto type = cast<RankedTensorType>(w.getType());
  Type t = type.getElementType();
  Value alpha = castTo(b, loc, scalarOf(b, loc, alphaTensor), t);
  Value minus = b.create<arith::NegFOp>(loc, alpha);
  Value one = constantLike(b, loc, t, 1.0);
  return onWide(b, loc, w, normScale(b, loc, type, wMax), [&](Value x) {
    return oddPolynomial(b, loc, x, {OddStep{one, minus, {}}, OddStep{one, alpha, {}}});
  });
}

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
    Location loc = op.getLoc();
    auto type = op.getType();
    Type t = type.getElementType();
    b.replaceOp(op, onWide(b, loc, op.getWeight(), normScale(b, loc, type, op.getWMax().convertToDouble()),
                           [&](Value x) {
                             return oddPolynomial(b, loc, x,
                                                  constantSteps(b, loc, t, lipnum::hardCapSteps()));
                           }));
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

/// A vector's l2 norm.
Value vectorNorm(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  auto scalarType = RankedTensorType::get({}, type.getElementType());
  Value sum = generic(b, loc, v, filled(b, loc, scalarType, {}, 0.0),
                      {b.getMultiDimIdentityMap(1), AffineMap::get(1, 0, {}, b.getContext())},
                      {IteratorType::reduction}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                        return nb.create<arith::AddFOp>(l, a[1], nb.create<arith::MulFOp>(l, a[0], a[0]));
                      });
  return b.create<math::SqrtOp>(loc, scalarOf(b, loc, sum));
}

/// `v` divided by `norm`, or `fallback` when the norm is 0 or too small to
/// divide by (below the element type's smallest normal number: a constant
/// such as 1e-300 would round to 0 in float32 and let 0/0 through).
Value normalized(OpBuilder &b, Location loc, Value v, Value norm, Value fallback) {
  auto t = cast<FloatType>(norm.getType());
  Scalar s{b, loc, t};
  Value tiny = b.create<arith::ConstantOp>(
      loc, b.getFloatAttr(t, llvm::APFloat::getSmallestNormalized(t.getFloatSemantics())));
  Value zero = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::ULT, norm, tiny);
  Value safe = s.select(zero, s.c(1.0), norm);
  return elementwise(b, loc, ValueRange{v, fallback}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    Scalar n{nb, l, t};
    return n.select(zero, a[1], n.div(a[0], safe));
  });
}

/// X v for X [m, n] and v [n] (or X^T v when `transposed`, v [m]).
Value matvec(OpBuilder &b, Location loc, Value x, Value v, bool transposed) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t size = transposed ? xt.getDimSize(1) : xt.getDimSize(0);
  auto type = RankedTensorType::get({size}, xt.getElementType());
  Value zero = filled(b, loc, type, {b.getIndexAttr(size)}, 0.0);
  if (transposed)
    return b.create<linalg::VecmatOp>(loc, type, ValueRange{v, x}, ValueRange{zero}).getResult(0);
  return b.create<linalg::MatvecOp>(loc, type, ValueRange{x, v}, ValueRange{zero}).getResult(0);
}

/// Warm-started power iteration on X^T X: {v', sigma = |X v'|, u = X v' / sigma}.
struct PowerResult {
  Value v, sigma, u;
};
PowerResult powerIteration(OpBuilder &b, Location loc, Value x, Value v, int64_t steps) {
  auto vt = cast<RankedTensorType>(v.getType());
  Type t = vt.getElementType();
  Value uniform = elementwise(b, loc, v, [&](OpBuilder &nb, Location l, ValueRange) -> Value {
    return constantLike(nb, l, t, 1.0 / std::sqrt(static_cast<double>(vt.getDimSize(0))));
  });
  v = normalized(b, loc, v, vectorNorm(b, loc, v), uniform);
  for (int64_t i = 0; i < steps; ++i) {
    Value next = matvec(b, loc, x, matvec(b, loc, x, v, false), true);
    v = normalized(b, loc, next, vectorNorm(b, loc, next), v);
  }
  Value xv = matvec(b, loc, x, v, false);
  Value sigma = vectorNorm(b, loc, xv);
  Value u = normalized(b, loc, xv, sigma, xv);
  return {v, sigma, u};
}

/// X + c u v^T.
Value rankOneUpdate(OpBuilder &b, Location loc, Value x, Value u, Value v, Value c) {
  auto type = cast<RankedTensorType>(x.getType());
  return generic(b, loc, ValueRange{x, u, v}, emptyOf(b, loc, type, sizesOf(b, loc, x)),
                 {b.getMultiDimIdentityMap(2), map(b, 2, {0}), map(b, 2, {1}), b.getMultiDimIdentityMap(2)},
                 {IteratorType::parallel, IteratorType::parallel},
                 [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                   Scalar n{nb, l, a[0].getType()};
                   return n.add(a[0], n.mul(c, n.mul(a[1], a[2])));
                 });
}

Value scaled(OpBuilder &b, Location loc, Value x, Value factor, bool divide) {
  return elementwise(b, loc, x, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
    Scalar n{nb, l, v[0].getType()};
    return divide ? n.div(v[0], factor) : n.mul(v[0], factor);
  });
}

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

/// The fused op, as its sequence (the fused kernel comes with code
/// generation's elementwise fusion).
struct LowerMuonSoftCap : OpRewritePattern<MuonSoftCapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MuonSoftCapOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Type t = cast<RankedTensorType>(op.getWeight().getType()).getElementType();
    Value beta = betaOf(b, loc, op, t);
    bool nesterov = op.getNesterov();
    SmallVector<Value> mom = elementwiseMulti(
        b, loc, ValueRange{op.getBuffer(), op.getGrad()}, 2, [&](OpBuilder &nb, Location l, ValueRange v) {
          Scalar s{nb, l, t};
          Value keep = s.sub(s.c(1.0), beta);
          Value next = s.add(s.mul(beta, v[0]), s.mul(keep, v[1]));
          return SmallVector<Value>{next, nesterov ? s.add(s.mul(keep, v[1]), s.mul(beta, next)) : next};
        });
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
               LowerApplyUpdate, LowerSoftCap, LowerHardCap, LowerOrthogonalize, LowerEmbedCap, LowerNormalizeRows,
               LowerMuonSoftCap, LowerSpectralNormalize, LowerSpectralHammer,
               LowerSpectralWeightDecay, LowerExactCap>(patterns.getContext());
}
