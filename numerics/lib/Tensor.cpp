//===- Tensor.cpp - Dense tensor and max-token RMS norms ------------------===//

#include "lipnum/Tensor.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace lipnum {

Tensor::Tensor(std::vector<int64_t> s, double fill) : shape(std::move(s)) {
  int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t{1},
                              std::multiplies<int64_t>());
  data.assign(n, fill);
}

std::string Tensor::shapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s + "]";
}

int64_t tokenDims(int64_t rank) { return rank <= 1 ? 0 : rank == 2 ? 1 : 2; }

/// Calls `fn(begin, size)` for every token's contiguous feature block.
template <typename Fn>
static void forEachToken(const Tensor &t, Fn fn) {
  int64_t tokens = 1;
  for (int64_t i = 0; i < tokenDims(t.rank()); ++i)
    tokens *= t.shape[i];
  int64_t width = tokens ? t.numel() / tokens : 0;
  for (int64_t k = 0; k < tokens; ++k)
    fn(k * width, width);
}

static double rms(const double *x, int64_t n) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += x[i] * x[i];
  return n ? std::sqrt(sum / n) : 0.0;
}

double maxTokenRms(const Tensor &t) {
  double best = 0;
  forEachToken(t, [&](int64_t begin, int64_t n) {
    best = std::max(best, rms(t.data.data() + begin, n));
  });
  return best;
}

double maxTokenRmsDistance(const Tensor &a, const Tensor &b) {
  Tensor diff = a;
  for (int64_t i = 0; i < diff.numel(); ++i)
    diff.data[i] -= b.data[i];
  return maxTokenRms(diff);
}

void rescaleTokens(Tensor &t, const std::function<double(double)> &factorOfRms) {
  forEachToken(t, [&](int64_t begin, int64_t n) {
    double factor = factorOfRms(rms(t.data.data() + begin, n));
    for (int64_t i = 0; i < n; ++i)
      t.data[begin + i] *= factor;
  });
}

void clampTokenRms(Tensor &t, double bound) {
  rescaleTokens(t, [&](double r) { return r > bound ? bound / r : 1.0; });
}

} // namespace lipnum
