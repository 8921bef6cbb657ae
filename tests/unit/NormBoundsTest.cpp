//===- NormBoundsTest.cpp - Rigorous upper bounds on a weight's norm ------===//
//
// lipnum/NormBounds.h, what `lipc certify` and `eval` rest on: the
// bound is never below the exact norm (Jacobi SVD, largest row RMS), never
// above it by more than its stated slack, and a non-finite weight bounds
// nothing (a NaN once read as a norm of 0, which would certify it).
//
//===----------------------------------------------------------------------===//

#include "lipnum/NormBounds.h"
#include "lipnum/OptKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace lipnum;

namespace {
Tensor gaussian(int64_t m, int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  Tensor w({m, n});
  for (double &x : w.data)
    x = g(rng);
  return w;
}

TEST(NormBoundsTest, SpectralBoundIsAnUpperBoundWithinItsSlack) {
  for (auto [m, n] : {std::pair<int64_t, int64_t>{7, 19}, {19, 7}, {16, 16}}) {
    Tensor w = gaussian(m, n, m * 100 + n);
    double exact = std::sqrt(static_cast<double>(n) / m) * singularValues(w)[0];
    double bound = normUpperBound(w, WeightNorm::RmsToRms);
    EXPECT_GE(bound, exact);
    EXPECT_LE(bound, exact * normBoundSlack(w, WeightNorm::RmsToRms));
  }
}

TEST(NormBoundsTest, RowBoundIsTheLargestRowRms) {
  Tensor w({2, 4});
  w.data = {1, 1, 1, 1, 3, 0, 0, 4};
  EXPECT_NEAR(normUpperBound(w, WeightNorm::L1ToRms), 2.5, 1e-9);
  EXPECT_GE(normUpperBound(w, WeightNorm::L1ToRms), 2.5);
}

TEST(NormBoundsTest, ANonFiniteWeightBoundsNothing) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()})
    for (WeightNorm norm : {WeightNorm::RmsToRms, WeightNorm::L1ToRms}) {
      Tensor w = gaussian(5, 8, 3);
      w.data[17] = bad;
      EXPECT_EQ(normUpperBound(w, norm), std::numeric_limits<double>::infinity());
    }
}

TEST(NormBoundsTest, AZeroWeightHasNormZero) {
  Tensor w({3, 5});
  EXPECT_EQ(normUpperBound(w, WeightNorm::RmsToRms), 0.0);
  EXPECT_EQ(normUpperBound(w, WeightNorm::L1ToRms), 0.0);
}
} // namespace
