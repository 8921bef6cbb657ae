//===- NormBounds.cpp - Rigorous upper bounds on a weight's norm ----------===//

#include "lipnum/NormBounds.h"

#include "lipnum/OptKernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace lipnum;

namespace {
/// Gram squarings of the spectral-norm bound: it overestimates sigma_max by
/// at most rank^(1/2^(k+1)), under 6e-5 for rank 1024 at k = 16.
constexpr int64_t kGramSteps = 16;

/// The largest row RMS, or +inf when a row holds a non-finite value
/// (std::max would skip a NaN).
double largestRowRms(const Tensor &w) {
  double worst = 0;
  int64_t rows = w.dim(0), cols = w.dim(1);
  for (int64_t i = 0; i < rows; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j)
      sum += w.data[i * cols + j] * w.data[i * cols + j];
    double rms = std::sqrt(sum / cols);
    if (!std::isfinite(rms))
      return std::numeric_limits<double>::infinity();
    worst = std::max(worst, rms);
  }
  return worst;
}
} // namespace

double lipnum::normUpperBound(const Tensor &w, WeightNorm norm) {
  if (norm == WeightNorm::L1ToRms)
    return largestRowRms(w) * (1 + 1e-12);
  return std::sqrt(static_cast<double>(w.dim(1)) / w.dim(0)) * sigmaUpperBound(w, kGramSteps);
}

double lipnum::normBoundSlack(const Tensor &w, WeightNorm norm) {
  double rounding = 1 + 1e-5;
  if (norm == WeightNorm::L1ToRms)
    return rounding;
  double rank = static_cast<double>(std::min(w.dim(0), w.dim(1)));
  return rounding * std::pow(rank, std::ldexp(1.0, -(kGramSteps + 1)));
}
