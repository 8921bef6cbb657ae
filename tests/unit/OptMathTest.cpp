//===- OptMathTest.cpp - Scalar maps and constants of the optimizers ------===//
//
// The numbers algorithms.md gives for the polynomial iterations, the soft
// cap's coupling and the schedules, recomputed from the implementation.
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/LipOpt/LipOptDialect.h"
#include "lipnum/OptMath.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace lipnum;

namespace {
double maxOn(const std::vector<PolyStep> &steps, double lo, double hi) {
  double best = 0;
  for (int i = 0; i <= 200000; ++i)
    best = std::max(best, polynomialMap(steps, lo + (hi - lo) * i / 200000.0));
  return best;
}

double softCap(double alpha, double sigma) {
  double q = sigma - alpha * sigma * sigma * sigma;
  return q + alpha * q * q * q;
}

TEST(NewtonSchulz, JiachengSixStepStaysBelowOne) {
  const auto &ns6 = newtonSchulzSet(1);
  EXPECT_NEAR(polynomialMap(ns6, 1.0), 0.998412, 2e-6);
  EXPECT_NEAR(maxOn(ns6, 1e-3, 1.0), 0.999335, 2e-6);
  // From 0 up: the bound the soft cap's coupling relies on.
  EXPECT_LT(maxOn(ns6, 0.0, 1.0), 0.99934);
}

TEST(NewtonSchulz, NanoGptAndKellerSetsOvershoot) {
  EXPECT_NEAR(maxOn(newtonSchulzSet(2), 1e-3, 1.0), 1.145020, 2e-6);
  EXPECT_NEAR(polynomialMap(newtonSchulzSet(0), 1.0), 0.696, 2e-3);
  EXPECT_NEAR(maxOn(newtonSchulzSet(0), 1e-3, 1.0), 1.20, 0.01);
}

TEST(HardCap, MatchesTheMeasuredMap) {
  EXPECT_NEAR(polynomialMap(hardCapSteps(), 1.0), 0.966074, 2e-6);
  EXPECT_NEAR(polynomialMap(hardCapSteps(), 2.0), 1.001981, 2e-6);
  EXPECT_LT(maxOn(hardCapSteps(), 0.0, 3.5), 1.0110);
  EXPECT_LT(polynomialMap(hardCapSteps(), 4.0), 0) << "invalid beyond 3.5 (pitfall P8)";
}

TEST(SoftCap, CouplingMatchesTheTable) {
  // algorithms.md 3.3, in units of w_max: k = 1 + update norm / w_max.
  EXPECT_NEAR(softCapCoupling(1.0601), 0.13199, 5e-5);
  EXPECT_NEAR(softCapCoupling(1.00601), 0.045124, 5e-6);
  EXPECT_NEAR(softCapCoupling(6.0889 / 6), 0.001952 * 36, 5e-4);
  EXPECT_NEAR(softCapCoupling(1.0889), 0.15273, 5e-5);
  // The NanoGPT case: lr 0.05 times NS5's maximum 1.14502 times a 1.05 margin.
  double k = 1 + 0.05 * 1.14502 * 1.05;
  double alpha = softCapCoupling(k);
  EXPECT_NEAR(alpha, 0.131992, 2e-6);
  EXPECT_NEAR(softCap(alpha, 1.0), 0.954329, 2e-6);
  EXPECT_LE(softCap(alpha, k), 1.0 + 1e-12);
  EXPECT_NEAR(softCap(alpha, k), 1.0, 1e-12);
}

TEST(SoftCap, NoRootMeansNoCap) {
  EXPECT_EQ(softCapCoupling(1.0), 0.0);
  EXPECT_EQ(softCapCoupling(0.5), 0.0) << "never the destructive alpha = 1 (pitfall P6)";
}

TEST(SoftCap, MapsEverySigmaUpToKUnderOne) {
  for (double k : {1.01, 1.1, 1.2, 1.3, kSoftCapMaxK}) {
    double alpha = softCapCoupling(k);
    for (int i = 0; i <= 10000; ++i)
      EXPECT_LE(softCap(alpha, k * i / 10000.0), 1.0 + 1e-12) << "k = " << k;
  }
  // Past 81/62 the map is no longer monotone on [0, k]: the guarantee lapses.
  double alpha = softCapCoupling(1.5);
  double worst = 0;
  for (int i = 0; i <= 10000; ++i)
    worst = std::max(worst, softCap(alpha, 1.5 * i / 10000.0));
  EXPECT_GT(worst, 1.0);
}

TEST(Schedule, Values) {
  EXPECT_DOUBLE_EQ(learningRate(ScheduleKind::Constant, 0.1, 50, 100, 0, 0.4, 0.1), 0.1);
  EXPECT_DOUBLE_EQ(learningRate(ScheduleKind::Linear, 0.1, 50, 100, 0, 0.4, 0.1), 0.05);
  EXPECT_NEAR(learningRate(ScheduleKind::Cosine, 0.1, 50, 100, 0, 0.4, 0.1), 0.05, 1e-15);
  EXPECT_DOUBLE_EQ(learningRate(ScheduleKind::Linear, 0.1, 4, 100, 10, 0.4, 0.1), 0.05)
      << "warm-up: (4 + 1) / 10";
  EXPECT_DOUBLE_EQ(learningRate(ScheduleKind::Cooldown, 0.1, 50, 100, 0, 0.4, 0.1), 0.1);
  // NanoGPT: at 80% of training w = 0.5, multiplier 0.5 + 0.5 * 0.1.
  EXPECT_NEAR(learningRate(ScheduleKind::Cooldown, 0.1, 80, 100, 0, 0.4, 0.1), 0.055, 1e-15);
}
} // namespace

namespace {
TEST(Momentum, NanoGptWarmup) {
  // 0.85 -> 0.95 over the first 300 steps, then constant.
  EXPECT_DOUBLE_EQ(mlir::lipopt::momentumAt(0.95, 0.85, 300, 0), 0.85);
  EXPECT_NEAR(mlir::lipopt::momentumAt(0.95, 0.85, 300, 150), 0.90, 1e-15);
  EXPECT_DOUBLE_EQ(mlir::lipopt::momentumAt(0.95, 0.85, 300, 300), 0.95);
  EXPECT_DOUBLE_EQ(mlir::lipopt::momentumAt(0.95, 0.85, 0, 10), 0.95) << "no warm-up";
}
} // namespace
