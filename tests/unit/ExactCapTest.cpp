//===- ExactCapTest.cpp - The runtime's liprt_exact_cap -------------------===//
//
// The exact cap compiled steps call (runtime/src/ExactCap.cpp) against the
// definition U min(S, c) V^T: matrices built from chosen singular values,
// wide and tall, some above the cap and some below, through strided views.
// The capped weight's singular values (one-sided Jacobi, double) must be
// min(s, c) up to the documented float32 margin, never above c.
//
//===----------------------------------------------------------------------===//

#include "SoundnessHarness.h"

#include "liprt/ExactCap.h"
#include "lipnum/OptKernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {
using lipnum::Tensor;
using lipc::test::withSingularValues;

/// Runs liprt_exact_cap on `w` stored with row stride `ld` (>= cols).
Tensor capped(const Tensor &w, double cap, int64_t ld) {
  int64_t rows = w.dim(0), cols = w.dim(1);
  std::vector<float> in(rows * ld, 7.0f), out(rows * ld, 7.0f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      in[i * ld + j] = static_cast<float>(w.data[i * cols + j]);
  liprt::F32Memref<2> a{in.data(), in.data(), 0, {rows, cols}, {ld, 1}};
  liprt::F32Memref<2> b{out.data(), out.data(), 0, {rows, cols}, {ld, 1}};
  _mlir_ciface_liprt_exact_cap(&a, &b, cap);
  Tensor r({rows, cols});
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j)
      r.data[i * cols + j] = out[i * ld + j];
    for (int64_t j = cols; j < ld; ++j)
      EXPECT_EQ(out[i * ld + j], 7.0f) << "wrote outside the view";
  }
  return r;
}

void expectCappedSpectrum(int64_t rows, int64_t cols, int64_t ld) {
  std::mt19937_64 rng(rows * 131 + cols);
  const double cap = 1.5;
  std::vector<double> sigma = {4.0, 2.5, 1.6, 1.49, 1.0, 0.3, 1e-3};
  sigma.resize(std::min<size_t>(sigma.size(), std::min(rows, cols)));
  std::vector<double> s = lipnum::singularValues(capped(withSingularValues(rows, cols, sigma, rng), cap, ld));
  double margin = std::ldexp(std::sqrt(static_cast<double>(std::min(rows, cols))), -23);
  for (size_t i = 0; i < sigma.size(); ++i) {
    double expected = std::min(sigma[i], cap);
    EXPECT_LE(s[i], cap) << "singular value " << i;
    EXPECT_NEAR(s[i], expected, 2 * margin * cap + 1e-5 * expected) << "singular value " << i;
  }
  for (size_t i = sigma.size(); i < s.size(); ++i)
    EXPECT_LT(s[i], 1e-5) << "a zero singular value grew";
}

TEST(ExactCapTest, CapsEverySingularValueOfAWideMatrix) { expectCappedSpectrum(12, 40, 40); }
TEST(ExactCapTest, CapsEverySingularValueOfATallMatrix) { expectCappedSpectrum(40, 12, 40); }
TEST(ExactCapTest, ReadsAndWritesStridedViews) { expectCappedSpectrum(9, 9, 13); }

TEST(ExactCapTest, LeavesAMatrixBelowTheCapAsItIs) {
  std::mt19937_64 rng(5);
  Tensor w = withSingularValues(8, 16, {1.0, 0.5, 0.25}, rng);
  Tensor r = capped(w, 2.0, 16);
  for (int64_t i = 0; i < w.numel(); ++i)
    EXPECT_EQ(r.data[i], static_cast<float>(w.data[i]));
}

TEST(ExactCapTest, AgreesWithTheReferenceKernel) {
  std::mt19937_64 rng(11);
  Tensor w = withSingularValues(10, 6, {3.0, 2.0, 0.5}, rng);
  // The reference caps the RMS->RMS norm at w_max: sigma at sqrt(10/6) w_max.
  double wMax = 1.2, cap = std::sqrt(10.0 / 6.0) * wMax;
  Tensor expected = lipnum::exactCap(w, wMax), r = capped(w, cap, 6);
  for (int64_t i = 0; i < w.numel(); ++i)
    EXPECT_NEAR(r.data[i], expected.data[i], 1e-5);
}
} // namespace
