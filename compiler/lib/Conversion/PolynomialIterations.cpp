//===- PolynomialIterations.cpp - Newton-Schulz and the spectral caps -----===//
//
// Odd matrix polynomials X <- (a I + b X X^T + c (X X^T)^2) X, step after
// step, on the wide side of the matrix, on X itself or on its Gram matrix,
// whichever takes fewer flops: Newton-Schulz (msign), the soft cap and the
// hard cap. Formulas: dialects/lipopt/Rationale.md.
//
//===----------------------------------------------------------------------===//

#include "OptimizerBuilders.h"

#include "lipnum/OptMath.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::lip::lowering;

namespace {
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

} // namespace

Value mlir::lip::lowering::normScale(OpBuilder &b, Location loc, RankedTensorType type, double wMax) {
  return constantLike(b, loc, type.getElementType(),
                      std::sqrt(static_cast<double>(type.getDimSize(0)) / type.getDimSize(1)) * wMax);
}


Value mlir::lip::lowering::newtonSchulz(OpBuilder &b, Location loc, Value m, ArrayRef<std::array<double, 3>> steps, double eps) {
  Type t = cast<RankedTensorType>(m.getType()).getElementType();
  Value norm = b.create<arith::AddFOp>(loc, frobenius(b, loc, m), constantLike(b, loc, t, eps));
  return onWide(
      b, loc, m, norm,
      [&](Value x) { return oddPolynomial(b, loc, x, constantSteps(b, loc, t, steps), kNewtonSchulzSegment); },
      /*restore=*/false);
}


// X -= alpha X X^T X; X += alpha X X^T X, on X = W / (s w_max).
Value mlir::lip::lowering::softCap(OpBuilder &b, Location loc, Value w, Value alphaTensor, double wMax) {
  auto type = cast<RankedTensorType>(w.getType());
  Type t = type.getElementType();
  Value alpha = castTo(b, loc, scalarOf(b, loc, alphaTensor), t);
  Value minus = b.create<arith::NegFOp>(loc, alpha);
  Value one = constantLike(b, loc, t, 1.0);
  return onWide(b, loc, w, normScale(b, loc, type, wMax), [&](Value x) {
    return oddPolynomial(b, loc, x, {OddStep{one, minus, {}}, OddStep{one, alpha, {}}});
  });
}


Value mlir::lip::lowering::hardCap(OpBuilder &b, Location loc, Value w, double wMax) {
  auto type = cast<RankedTensorType>(w.getType());
  Type t = type.getElementType();
  return onWide(b, loc, w, normScale(b, loc, type, wMax), [&](Value x) {
    return oddPolynomial(b, loc, x, constantSteps(b, loc, t, lipnum::hardCapSteps()));
  });
}
