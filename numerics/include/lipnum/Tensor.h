//===- Tensor.h - A plain dense tensor of doubles for the reference -------===//
//
// Row-major storage and a shape; nothing else. Integer tensors (token ids,
// labels) hold whole numbers in the same storage. The norm helpers implement
// the max-token RMS convention of dialects/lip/Rationale.md.
//
//===----------------------------------------------------------------------===//

#ifndef LIPNUM_TENSOR_H
#define LIPNUM_TENSOR_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lipnum {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> data;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> shape, double fill = 0.0);

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int64_t dim(int64_t i) const { return shape[i < 0 ? i + rank() : i]; }
  std::string shapeString() const;
};

/// How many leading dimensions index tokens under the max-token RMS norm:
/// 0 for rank 0 and 1, 1 for rank 2 ([batch, features]), 2 for rank 3 and 4
/// ([batch, tokens, ...]).
int64_t tokenDims(int64_t rank);

/// The largest per-token RMS (|x| for a scalar).
double maxTokenRms(const Tensor &t);

/// max-token RMS of a - b (same shapes).
double maxTokenRmsDistance(const Tensor &a, const Tensor &b);

/// Multiplies every token (a row of the last dimension) by
/// `factorOfRms(its RMS)`.
void rescaleTokens(Tensor &t, const std::function<double(double)> &factorOfRms);

/// Rescales every token whose RMS exceeds `bound` down to `bound`.
void clampTokenRms(Tensor &t, double bound);

} // namespace lipnum

#endif // LIPNUM_TENSOR_H
