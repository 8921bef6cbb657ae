//===- BoundArith.cpp - Upward-rounded arithmetic for bounds --------------===//
//
// Round-to-nearest gives the double closest to the exact result; the exact
// error of +, *, / and sqrt is itself representable and computable with an
// fma (error-free transformations). When that error shows the rounded result
// fell below the exact one, step one ulp up. This is exact upward rounding
// and does not depend on the FPU's rounding mode, which compilers ignore.
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/Lip/BoundArith.h"

#include <cmath>
#include <limits>

namespace mlir::lip::bound {

static constexpr double kInf = std::numeric_limits<double>::infinity();

double nextUp(double x) { return std::nextafter(x, kInf); }

double addUp(double a, double b) {
  double s = a + b;
  if (!std::isfinite(s))
    return s;
  // Knuth's TwoSum: s + err == a + b exactly.
  double bVirtual = s - a;
  double aVirtual = s - bVirtual;
  double err = (a - aVirtual) + (b - bVirtual);
  return err > 0 ? nextUp(s) : s;
}

double subUp(double a, double b) { return addUp(a, -b); }

double mulUp(double a, double b) {
  if (a == 0 || b == 0)
    return 0;
  double p = a * b;
  if (!std::isfinite(p))
    return p;
  // p + err == a * b exactly (barring underflow, where p is 0 or subnormal:
  // then stepping up whenever inexact is still an upper bound).
  double err = std::fma(a, b, -p);
  return err > 0 ? nextUp(p) : p;
}

double divUp(double a, double b) {
  double q = a / b;
  if (!std::isfinite(q))
    return q;
  // r = a - q*b exactly; q is too small iff r has the sign of b.
  double r = std::fma(-q, b, a);
  bool tooSmall = (r > 0 && b > 0) || (r < 0 && b < 0);
  return tooSmall ? nextUp(q) : q;
}

double sqrtUp(double a) {
  double s = std::sqrt(a);
  if (!std::isfinite(s))
    return s;
  double r = std::fma(-s, s, a);
  return r > 0 ? nextUp(s) : s;
}

double expUp(double a) {
  // glibc's exp is accurate to < 1 ulp; two steps up cover it.
  return nextUp(nextUp(std::exp(a)));
}

} // namespace mlir::lip::bound
