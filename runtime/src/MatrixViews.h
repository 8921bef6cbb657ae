//===- MatrixViews.h - Memref descriptors as BLAS sees them (internal) ----===//
//
// What the product entry points (Gemm.cpp, CudaGemm.cpp) need to know about
// a rank-2 descriptor: where its data starts, whether BLAS can take it as a
// row-major matrix with a leading dimension, whether sizes fit BLAS's ints.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_SRC_MATRIXVIEWS_H
#define LIPRT_SRC_MATRIXVIEWS_H

#include "liprt/Gemm.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>

namespace liprt::views {

inline float *data(const F32Memref<2> &m) { return m.data + m.offset; }

inline float at(const F32Memref<2> &m, int64_t i, int64_t j) {
  return data(m)[i * m.strides[0] + j * m.strides[1]];
}

/// The leading dimension BLAS expects for a row-major matrix, if `m` is one
/// (a single row may carry any row stride).
inline bool rowMajor(const F32Memref<2> &m, int64_t &ld) {
  if (m.strides[1] != 1 && m.sizes[1] > 1)
    return false;
  ld = m.sizes[0] > 1 ? m.strides[0] : std::max<int64_t>(m.sizes[1], 1);
  return ld >= std::max<int64_t>(m.sizes[1], 1);
}

/// Whether BLAS's int arguments hold every one of `values`.
inline bool fitBlas(std::initializer_list<int64_t> values) {
  return std::all_of(values.begin(), values.end(),
                     [](int64_t v) { return v <= std::numeric_limits<int>::max(); });
}

/// Matrix `i` of a batch of matrices.
inline F32Memref<2> slice(const F32Memref<3> &m, int64_t i) {
  return {m.basePtr, m.data, m.offset + i * m.strides[0], {m.sizes[1], m.sizes[2]},
          {m.strides[1], m.strides[2]}};
}

/// Calls `product(a_i, b_i, c_i)` for every leading index i of a batch.
template <typename Product>
void forEachMatrix(F32Memref<3> &a, F32Memref<3> &b, F32Memref<3> &c, Product product) {
  for (int64_t i = 0; i < c.sizes[0]; ++i) {
    F32Memref<2> as = slice(a, i), bs = slice(b, i), cs = slice(c, i);
    product(&as, &bs, &cs);
  }
}

} // namespace liprt::views

#endif // LIPRT_SRC_MATRIXVIEWS_H
