//===- Init.cpp - Initial parameters of a compiled model ------------------===//

#include "liprt/Init.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace liprt;

namespace {
/// Standard normal samples by Box-Muller: the same numbers on every
/// standard library, unlike std::normal_distribution.
class Gaussian {
public:
  explicit Gaussian(uint64_t seed) : engine_(seed) {}
  double next() {
    double u1 = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
    double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }

private:
  std::mt19937_64 engine_;
};

/// Makes the `count` vectors of length `length` at `v` (count <= length)
/// orthonormal by modified Gram-Schmidt, in double.
void orthonormalize(std::vector<double> &v, int64_t count, int64_t length) {
  for (int64_t i = 0; i < count; ++i) {
    double *vi = &v[i * length];
    for (int64_t j = 0; j < i; ++j) {
      const double *vj = &v[j * length];
      double dot = 0;
      for (int64_t k = 0; k < length; ++k)
        dot += vi[k] * vj[k];
      for (int64_t k = 0; k < length; ++k)
        vi[k] -= dot * vj[k];
    }
    double norm = 0;
    for (int64_t k = 0; k < length; ++k)
      norm += vi[k] * vi[k];
    norm = std::sqrt(norm);
    for (int64_t k = 0; k < length; ++k)
      vi[k] /= norm;
  }
}
} // namespace

Status liprt::initializeParameters(CompiledStep &step, uint64_t seed) {
  Gaussian gaussian(seed);
  const std::vector<StepTensor> &arguments = step.manifest().arguments;
  for (size_t a = 0; a < arguments.size(); ++a) {
    const StepTensor &t = arguments[a];
    if (t.role != Role::Param)
      continue;
    if (t.shape.size() != 2)
      return Status::error("cannot initialize parameter '" + t.name + "' of rank " +
                           std::to_string(t.shape.size()) + ": only matrices are supported");
    int64_t rows = t.shape[0], cols = t.shape[1];
    double scale = t.constraintMethod.empty() ? 1.0 : std::min(1.0, t.wMax);
    std::vector<double> w(rows * cols);
    for (double &x : w)
      x = gaussian.next();
    if (t.norm == "l1_to_rms") {
      // An embedding table: each token's row to RMS 1.
      for (int64_t r = 0; r < rows; ++r) {
        double sum = 0;
        for (int64_t c = 0; c < cols; ++c)
          sum += w[r * cols + c] * w[r * cols + c];
        double rms = std::sqrt(sum / cols);
        for (int64_t c = 0; c < cols; ++c)
          w[r * cols + c] /= rms;
      }
    } else if (rows <= cols) {
      orthonormalize(w, rows, cols);
    } else {
      // Orthonormal columns: orthonormalize the transpose.
      std::vector<double> wt(rows * cols);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          wt[c * rows + r] = w[r * cols + c];
      orthonormalize(wt, cols, rows);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          w[r * cols + c] = wt[c * rows + r];
    }
    if (t.norm != "l1_to_rms")
      scale *= std::sqrt(static_cast<double>(rows) / cols); // RMS->RMS norm 1
    // A zero-initialized parameter still draws its numbers, so the others
    // start where they would without it.
    std::vector<float> &out = step.tensor(a);
    for (size_t i = 0; i < w.size(); ++i)
      out[i] = t.zeroInit ? 0.0f : static_cast<float>(scale * w[i]);
  }
  return Status::ok();
}
