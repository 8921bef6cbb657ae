//===- BoundArith.h - Upward-rounded arithmetic for bounds ------*- C++ -*-===//
//
// Every certified bound is computed with these functions. Each returns a
// double that is >= the exact real result of the operation on its (exact)
// double arguments: products, sums, quotients and square roots are rounded
// upward exactly (error-free transformations with fma), and exp, which libm
// computes to within one ulp, is pushed up two ulps. Infinity propagates.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_DIALECT_LIP_BOUNDARITH_H
#define LIP_DIALECT_LIP_BOUNDARITH_H

namespace mlir::lip::bound {

/// The next double above `x` (x itself for +inf and NaN).
double nextUp(double x);
/// a + b, rounded toward +inf.
double addUp(double a, double b);
/// a - b, rounded toward +inf.
double subUp(double a, double b);
/// a * b, rounded toward +inf. Bounds are never negative, and a zero
/// bound stays zero whatever it meets (0 * inf = 0): a value that does not
/// depend on the input stays independent of it through any op.
double mulUp(double a, double b);
/// a / b, rounded toward +inf (b != 0).
double divUp(double a, double b);
/// sqrt(a), rounded toward +inf (a >= 0).
double sqrtUp(double a);
/// An upper bound on exp(a).
double expUp(double a);

} // namespace mlir::lip::bound

#endif // LIP_DIALECT_LIP_BOUNDARITH_H
