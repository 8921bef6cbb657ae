//===- BoundArithTest.cpp - Upward rounding of the bound arithmetic -------===//
//
// Each operation must return the smallest double >= the exact result. Exact
// results are checked with long double where it is exact enough and with
// algebraic identities (a product of two doubles has at most 106 bits).
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/Lip/BoundArith.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace mlir::lip::bound;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(BoundArith, ExactResultsAreNotBumped) {
  EXPECT_EQ(addUp(1.5, 2.25), 3.75);
  EXPECT_EQ(subUp(1.0, 0.25), 0.75);
  EXPECT_EQ(mulUp(0.5, 6.0), 3.0);
  EXPECT_EQ(divUp(3.0, 4.0), 0.75);
  EXPECT_EQ(sqrtUp(2.25), 1.5);
}

TEST(BoundArith, InexactResultsRoundUp) {
  // Checked against the exact result via fma: >= exact, and the next double
  // down is below it.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist(1e-3, 1e3);
  for (int i = 0; i < 100000; ++i) {
    double a = dist(rng), b = dist(rng);
    double p = mulUp(a, b);
    // exact = a*b; p - a*b >= 0  <=>  fma(a, b, -p) <= 0.
    EXPECT_LE(std::fma(a, b, -p), 0.0);
    EXPECT_GT(std::fma(a, b, -std::nextafter(p, 0.0)), 0.0) << "not the smallest";
    double q = divUp(a, b);
    EXPECT_GE(q * 1.0L * b, a * 1.0L - std::fabs(a) * 1e-30L);
    EXPECT_LE(std::fma(-q, b, a), 0.0);  // q*b >= a exactly
    double s = addUp(a, b);
    long double exact = static_cast<long double>(a) + static_cast<long double>(b);
    EXPECT_GE(static_cast<long double>(s), exact);
    EXPECT_LT(static_cast<long double>(std::nextafter(s, 0.0)), exact + 1e-300L);
    double r = sqrtUp(a);
    EXPECT_LE(std::fma(-r, r, a), 0.0);
  }
}

TEST(BoundArith, SumOfTenthsIsAnUpperBound) {
  // 0.1 + 0.7 rounds down to nearest; the upward sum must not.
  long double exact = static_cast<long double>(0.1) + static_cast<long double>(0.7);
  EXPECT_LT(static_cast<long double>(0.1 + 0.7), exact);
  EXPECT_GE(static_cast<long double>(addUp(0.1, 0.7)), exact);
}

TEST(BoundArith, ExpIsAnUpperBound) {
  for (double x : {-5.0, -1.0, 0.0, 0.5, 1.0, 8.0, 30.0}) {
    long double exact = std::exp(static_cast<long double>(x));
    EXPECT_GE(static_cast<long double>(expUp(x)), exact) << x;
    EXPECT_LE(static_cast<long double>(expUp(x)), exact * (1 + 1e-15L)) << x;
  }
}

TEST(BoundArith, InfinityAndZero) {
  EXPECT_EQ(mulUp(kInf, 2.0), kInf);
  EXPECT_EQ(addUp(kInf, 1.0), kInf);
  EXPECT_EQ(mulUp(0.0, kInf), 0.0) << "an input-independent value stays independent";
  EXPECT_EQ(mulUp(kInf, 0.0), 0.0);
  EXPECT_EQ(expUp(kInf), kInf);
  EXPECT_EQ(sqrtUp(kInf), kInf);
}

TEST(BoundArith, NegativeOperands) {
  double p = mulUp(-0.1, 3.0);
  EXPECT_LE(std::fma(-0.1, 3.0, -p), 0.0);
  // q >= -1/3 exactly  <=>  1 - q * (-3) = 1 + 3q >= 0.
  double q = divUp(1.0, -3.0);
  EXPECT_GE(std::fma(-q, -3.0, 1.0), 0.0);
  EXPECT_LT(std::fma(-std::nextafter(q, -1.0), -3.0, 1.0), 0.0) << "not the smallest";
}
} // namespace
