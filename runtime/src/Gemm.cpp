//===- Gemm.cpp - The matrix product compiled steps call ------------------===//
//
// -lip-matmul-to-blas turns every f32 matmul of a step into a call to
// `liprt_sgemm` with memref descriptors (mlir/ExecutionEngine/CRunnerUtils.h
// layout for rank 2: allocated, aligned, offset, sizes[2], strides[2]). It
// computes C += op(A) op(B), the linalg semantics (`liprt_sgemm_batched`:
// one such product per leading index), with OpenBLAS when each
// matrix is stored row-major with some leading dimension, and with a plain
// loop for any other view (never produced by today's lowering, but a strided
// view must not give wrong numbers).
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cblas.h>
#include <cstdint>

namespace {
struct Matrix2D {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];

  float *data() const { return aligned + offset; }
  float at(int64_t i, int64_t j) const { return data()[i * strides[0] + j * strides[1]]; }

  /// The leading dimension cblas expects for a row-major matrix, if this view
  /// is one (a single row may carry any row stride).
  bool rowMajor(int64_t &ld) const {
    if (strides[1] != 1 && sizes[1] > 1)
      return false;
    ld = sizes[0] > 1 ? strides[0] : std::max<int64_t>(sizes[1], 1);
    return ld >= std::max<int64_t>(sizes[1], 1);
  }
};

/// A rank-3 descriptor: one matrix per leading index.
struct Matrix3D {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];

  Matrix2D slice(int64_t i) const {
    return {allocated, aligned, offset + i * strides[0], {sizes[1], sizes[2]}, {strides[1], strides[2]}};
  }
};
} // namespace

extern "C" void _mlir_ciface_liprt_sgemm(Matrix2D *a, Matrix2D *b, Matrix2D *c,
                                         int32_t transposeA, int32_t transposeB) {
  int64_t m = c->sizes[0], n = c->sizes[1];
  int64_t k = transposeA ? a->sizes[0] : a->sizes[1];
  if (m == 0 || n == 0 || k == 0)
    return;
  int64_t lda, ldb, ldc;
  if (a->rowMajor(lda) && b->rowMajor(ldb) && c->rowMajor(ldc)) {
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a->data(), lda, b->data(),
                ldb, 1.0f, c->data(), ldc);
    return;
  }
  float *out = c->data();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float sum = out[i * c->strides[0] + j * c->strides[1]];
      for (int64_t p = 0; p < k; ++p)
        sum += (transposeA ? a->at(p, i) : a->at(i, p)) * (transposeB ? b->at(j, p) : b->at(p, j));
      out[i * c->strides[0] + j * c->strides[1]] = sum;
    }
}

extern "C" void _mlir_ciface_liprt_sgemm_batched(Matrix3D *a, Matrix3D *b, Matrix3D *c,
                                                 int32_t transposeA, int32_t transposeB) {
  for (int64_t i = 0; i < c->sizes[0]; ++i) {
    Matrix2D as = a->slice(i), bs = b->slice(i), cs = c->slice(i);
    _mlir_ciface_liprt_sgemm(&as, &bs, &cs, transposeA, transposeB);
  }
}
