//===- ConstraintGuaranteeTest.cpp - Projections keep their promise -------===//
//
// Many optimizer steps on small matrices, with random learning rates and
// random or adversarial gradients (pushing the top singular direction), each
// followed by the constraint's projection; after every step the RMS->RMS
// norm, from an exact (Jacobi) SVD, must stay within the method's documented
// guarantee. Methods that guarantee nothing are shown to exceed w_max, which
// is why the bound analysis reports them as not certified.
//
//===----------------------------------------------------------------------===//

#include "lipnum/OptKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

using namespace lipnum;

namespace {
constexpr double kWMax = 1.7;
constexpr int kSteps = 60;

double rmsNorm(const Tensor &w) {
  return std::sqrt(static_cast<double>(w.dim(1)) / w.dim(0)) * singularValues(w)[0];
}

Tensor gaussian(int64_t m, int64_t n, std::mt19937_64 &rng, double scale = 1.0) {
  std::normal_distribution<double> normal;
  Tensor t({m, n});
  for (double &v : t.data)
    v = scale * normal(rng);
  return t;
}

/// A gradient that pushes W's own top singular direction up (adversarial)
/// or a random one.
Tensor gradientFor(const Tensor &w, std::mt19937_64 &rng, bool adversarial) {
  if (!adversarial)
    return gaussian(w.dim(0), w.dim(1), rng);
  Tensor g = w;
  for (double &v : g.data)
    v = -v; // descending along -W grows W
  return g;
}

using Projection = std::function<Tensor(const Tensor &w, Tensor &state, double lr)>;

/// Runs Muon steps with the projection; returns the largest RMS->RMS norm
/// seen after any step.
double runMuon(int64_t m, int64_t n, uint64_t seed, double lrScale, const Projection &project) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Tensor w = exactCap(gaussian(m, n, rng), kWMax);
  Tensor buffer({m, n}), state({n}, 1.0);
  double worst = 0;
  for (int s = 0; s < kSteps; ++s) {
    double lr = lrScale * std::pow(10.0, -2 + 2 * unit(rng)); // [0.01, 1] * scale
    auto [next, update] = momentum(buffer, gradientFor(w, rng, s % 2 == 1), 0.9, true);
    buffer = next;
    Tensor o = newtonSchulz(update, newtonSchulzSet(1), 1e-12);
    w = applyUpdate(w, o, lr, std::sqrt(static_cast<double>(m) / n), 0.0);
    w = project(w, state, lr);
    worst = std::max(worst, rmsNorm(w));
  }
  return worst;
}

/// Runs AdamW steps (update norm unbounded) with the projection.
double runAdam(int64_t m, int64_t n, uint64_t seed, double lr, double decay,
               const Projection &project) {
  std::mt19937_64 rng(seed);
  Tensor w = exactCap(gaussian(m, n, rng), kWMax);
  Tensor mom({m, n}), var({m, n}), state({n}, 1.0);
  double worst = 0;
  for (int s = 0; s < kSteps; ++s) {
    auto [m2, v2, d] = adam(mom, var, gradientFor(w, rng, s % 2 == 1), s, 0.9, 0.95, 1e-8);
    mom = m2;
    var = v2;
    w = project(applyUpdate(w, d, lr, 1.0, decay), state, lr);
    worst = std::max(worst, rmsNorm(w));
  }
  return worst;
}

const std::vector<std::pair<int64_t, int64_t>> kShapes = {{6, 4}, {4, 6}, {5, 5}, {3, 8}};

TEST(ConstraintGuarantee, ExactCapUnderAnyUpdate) {
  for (auto [m, n] : kShapes)
    for (uint64_t seed : {1, 2, 3}) {
      auto project = [](const Tensor &w, Tensor &, double) { return exactCap(w, kWMax); };
      EXPECT_LE(runMuon(m, n, seed, 3.0, project), kWMax * (1 + 1e-9));
      EXPECT_LE(runAdam(m, n, seed, 0.5, 0.0, project), kWMax * (1 + 1e-9));
    }
}

TEST(ConstraintGuarantee, SpectralNormalizeUnderAnyUpdate) {
  for (auto [m, n] : kShapes)
    for (uint64_t seed : {1, 2, 3}) {
      auto project = [](const Tensor &w, Tensor &state, double) {
        auto [r, v] = spectralNormalize(w, state, kWMax, 2, 6);
        state = v;
        return r;
      };
      EXPECT_LE(runMuon(m, n, seed, 3.0, project), kWMax * (1 + 1e-8));
      EXPECT_LE(runAdam(m, n, seed, 0.5, 0.0, project), kWMax * (1 + 1e-8));
    }
}

TEST(ConstraintGuarantee, SoftCapWithMuonWithinItsCondition) {
  // k = 1 + lr * 0.99934 / w_max <= 81/62 as long as lr <= 0.306 w_max.
  for (auto [m, n] : kShapes)
    for (uint64_t seed : {1, 2, 3, 4}) {
      auto project = [](const Tensor &w, Tensor &, double lr) {
        double k = 1 + lr * 0.99934 / kWMax;
        EXPECT_LE(k, kSoftCapMaxK);
        return softCap(w, softCapCoupling(k), kWMax);
      };
      EXPECT_LE(runMuon(m, n, seed, 0.3 * kWMax, project), kWMax * (1 + 1e-9));
    }
}

TEST(ConstraintGuarantee, HardCapWithinItsValidityRange) {
  for (auto [m, n] : kShapes)
    for (uint64_t seed : {1, 2, 3}) {
      auto project = [](const Tensor &w, Tensor &, double) { return hardCap(w, kWMax); };
      EXPECT_LE(runMuon(m, n, seed, 2.0 * kWMax, project), 1.0110 * kWMax);
    }
}

TEST(ConstraintGuarantee, OrthogonalizeUnderAnyUpdate) {
  for (auto [m, n] : kShapes)
    for (uint64_t seed : {1, 2}) {
      auto project = [](const Tensor &w, Tensor &, double) { return orthogonalize(w, kWMax); };
      EXPECT_LE(runAdam(m, n, seed, 0.5, 0.0, project), kWMax * 0.99934);
    }
}

TEST(ConstraintGuarantee, EmbedCapBoundsEveryRow) {
  std::mt19937_64 rng(7);
  Tensor e = embedCap(gaussian(11, 6, rng, 5.0), kWMax);
  EXPECT_LE(maxTokenRms(e), kWMax * (1 + 1e-12));
}

// The paper's embedding update before the cap (lipopt.normalize_rows): rows
// of RMS >= 1/16 come out at RMS 1, smaller ones 16 times larger, and a
// zero row (a token no batch has seen) stays zero.
TEST(ConstraintGuarantee, NormalizedEmbeddingRowsHaveRmsOneAtMost) {
  Tensor m({3, 2});
  m.data = {3, 4, 0.01, 0, 0, 0};
  Tensor r = normalizeRows(m, 16);
  EXPECT_NEAR(r.data[0], 3 / std::sqrt(12.5), 1e-15);
  EXPECT_NEAR(r.data[1], 4 / std::sqrt(12.5), 1e-15);
  EXPECT_NEAR(r.data[2], 0.16, 1e-15);
  EXPECT_EQ(r.data[3], 0);
  EXPECT_EQ(r.data[4], 0);
  EXPECT_EQ(r.data[5], 0);
  std::mt19937_64 rng(8);
  EXPECT_LE(maxTokenRms(normalizeRows(gaussian(11, 6, rng, 5.0), 16)), 1 + 1e-12);
}

// Methods without a guarantee: with AdamW updates the norm leaves w_max.
TEST(ConstraintGuarantee, UncertifiedMethodsExceedTheirNominalCap) {
  auto hammer = [](const Tensor &w, Tensor &state, double) {
    auto [r, v] = spectralHammer(w, state, kWMax, 2);
    state = v;
    return r;
  };
  auto spectralDecay = [](const Tensor &w, Tensor &state, double) {
    auto [r, v] = spectralWeightDecay(w, state, 0.1, 2);
    state = v;
    return r;
  };
  auto none = [](const Tensor &w, Tensor &, double) { return w; };
  EXPECT_GT(runAdam(6, 4, 1, 0.5, 0.0, hammer), 1.2 * kWMax) << "spectral_hammer";
  EXPECT_GT(runAdam(6, 4, 1, 0.5, 0.0, spectralDecay), 1.2 * kWMax) << "spectral_weight_decay";
  EXPECT_GT(runAdam(6, 4, 1, 0.5, 0.1, none), 1.2 * kWMax) << "weight_decay with AdamW";
}
} // namespace
