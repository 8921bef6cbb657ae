//===- Gemm.cpp - The matrix products compiled steps call -----------------===//
//
// liprt/Gemm.h's CPU entry points: oneDNN (liprt/OneDnn.h; bf16 operands
// where asked and available), and OpenBLAS when each matrix is stored
// row-major with some leading dimension (large products in bands of rows,
// one per OpenMP thread; Gram products by ssyrk, half the flops, where
// oneDNN is not used), a plain
// loop for any other view (never produced by today's lowering, but a
// strided view must not give wrong numbers). The GPU build's products are
// cuBLAS's (CudaGemm.cpp).
//
//===----------------------------------------------------------------------===//

#include "liprt/Gemm.h"

#include "liprt/OneDnn.h"

#include "MatrixViews.h"

#include <algorithm>
#include <cblas.h>
#include <omp.h>

using liprt::F32Memref;

namespace {
using namespace liprt::views;

/// Rows of C each thread takes at least, and the flops below which one
/// thread does the whole product.
constexpr int64_t kRowsPerThread = 64;
constexpr double kParallelFlops = 1 << 24;

/// C = op(A) op(B) + beta C, row-major. A large product with A not
/// transposed is cut into one band of C's rows per OpenMP thread, each a
/// single-threaded OpenBLAS call: measured on the steps' shapes (2 cores,
/// AVX-512), 5-20% faster than OpenBLAS's own threads on the tall products
/// (tokens x features); on A^T B (weight gradients, a long inner dimension)
/// as often slower as faster, so those keep OpenBLAS's threads. OpenBLAS
/// sums each element of C over k in the same order whichever band computes
/// it (GemmTest checks the bits), so the result does not depend on the
/// thread count.
void rowMajorGemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k,
                  const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                  int64_t ldc) {
  auto call = [&](int64_t first, int64_t rows) {
    const float *band = transposeA ? a + first : a + first * lda;
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans, rows, n, k, 1.0f, band, lda, b, ldb, beta,
                c + first * ldc, ldc);
  };
  const int64_t threads = omp_in_parallel() || transposeA ? 1 : omp_get_max_threads();
  const int64_t bands = std::min(threads, m / kRowsPerThread);
  if (bands < 2 || 2.0 * m * n * k < kParallelFlops) {
    call(0, m);
    return;
  }
#pragma omp parallel for num_threads(bands) schedule(static)
  for (int64_t band = 0; band < bands; ++band) {
    // Band edges on multiples of 16 rows (the kernels' register blocks).
    int64_t first = m * band / bands / 16 * 16;
    int64_t last = band + 1 == bands ? m : m * (band + 1) / bands / 16 * 16;
    call(first, last - first);
  }
}

} // namespace

extern "C" void _mlir_ciface_liprt_sgemm(F32Memref<2> *a, F32Memref<2> *b, F32Memref<2> *c,
                                         int32_t transposeA, int32_t transposeB,
                                         int32_t accumulate, int32_t precision) {
  int64_t m = c->sizes[0], n = c->sizes[1];
  int64_t k = transposeA ? a->sizes[0] : a->sizes[1];
  const float beta = accumulate ? 1.0f : 0.0f;
  if (m == 0 || n == 0 || (k == 0 && accumulate))
    return;
  // BLAS for row-major views within its int sizes; the loop below takes
  // the rest, and zeroes C for an empty inner dimension when not
  // accumulating.
  int64_t lda, ldb, ldc;
  if (k > 0 && rowMajor(*a, lda) && rowMajor(*b, ldb) && rowMajor(*c, ldc) &&
      fitBlas({m, n, k, lda, ldb, ldc})) {
    if (liprt::onednn::sgemm(transposeA, transposeB, m, n, k, 1.0f, data(*a), lda, data(*b), ldb,
                             beta, data(*c), ldc,
                             precision == static_cast<int32_t>(lipc::abi::ProductPrecision::Bf16)))
      return;
    rowMajorGemm(transposeA, transposeB, m, n, k, data(*a), lda, data(*b), ldb, beta, data(*c),
                 ldc);
    return;
  }
  float *out = data(*c);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float sum = accumulate ? out[i * c->strides[0] + j * c->strides[1]] : 0.0f;
      for (int64_t p = 0; p < k; ++p)
        sum += (transposeA ? at(*a, p, i) : at(*a, i, p)) *
               (transposeB ? at(*b, j, p) : at(*b, p, j));
      out[i * c->strides[0] + j * c->strides[1]] = sum;
    }
}

extern "C" void _mlir_ciface_liprt_sgemm_batched(F32Memref<3> *a, F32Memref<3> *b,
                                                 F32Memref<3> *c, int32_t transposeA,
                                                 int32_t transposeB, int32_t accumulate,
                                                 int32_t precision) {
  forEachMatrix(*a, *b, *c, [&](F32Memref<2> *as, F32Memref<2> *bs, F32Memref<2> *cs) {
    _mlir_ciface_liprt_sgemm(as, bs, cs, transposeA, transposeB, accumulate, precision);
  });
}

extern "C" void _mlir_ciface_liprt_ssyrk(F32Memref<2> *a, F32Memref<2> *c, int32_t transposeA) {
  int64_t n = c->sizes[0], k = transposeA ? a->sizes[0] : a->sizes[1];
  int64_t lda, ldc;
  // oneDNN's full product beats OpenBLAS's half: on the optimizer's 256 x
  // 256 Gram products (2 cores, AVX-512) 2.5x faster than ssyrk and its
  // mirroring copy.
  if (!liprt::onednn::active() && n > 0 && k > 0 && rowMajor(*a, lda) && rowMajor(*c, ldc) &&
      fitBlas({n, k, lda, ldc})) {
    float *out = data(*c);
    cblas_ssyrk(CblasRowMajor, CblasUpper, transposeA ? CblasTrans : CblasNoTrans, n, k, 1.0f,
                data(*a), lda, 0.0f, out, ldc);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j)
        out[j * ldc + i] = out[i * ldc + j];
    return;
  }
  // With oneDNN, any other view, and an empty inner dimension: the product
  // sgemm computes.
  _mlir_ciface_liprt_sgemm(a, a, c, transposeA, !transposeA, /*accumulate=*/0,
                           static_cast<int32_t>(lipc::abi::ProductPrecision::Fp32));
}
