//===- CudaGemm.cpp - The matrix products of a step on the GPU ------------===//
//
// liprt/CudaGemm.h's entry points: cuBLAS (liprt/Cuda.h, loaded at run
// time) for row-major views of device memory within its int sizes, the CPU
// entry point for host memory.
//
//===----------------------------------------------------------------------===//

#include "liprt/CudaGemm.h"

#include "liprt/Cuda.h"

#include "MatrixViews.h"

using liprt::F32Memref;
using namespace liprt::views;

extern "C" void _mlir_ciface_liprt_cuda_sgemm(F32Memref<2> *a, F32Memref<2> *b, F32Memref<2> *c,
                                              int32_t transposeA, int32_t transposeB,
                                              int32_t accumulate, int32_t precision) {
  int64_t m = c->sizes[0], n = c->sizes[1];
  int64_t k = transposeA ? a->sizes[0] : a->sizes[1];
  int64_t lda, ldb, ldc;
  if (m > 0 && n > 0 && k > 0 && rowMajor(*a, lda) && rowMajor(*b, ldb) && rowMajor(*c, ldc) &&
      fitBlas({m, n, k, lda, ldb, ldc}) &&
      liprt::cuda::sgemm(transposeA, transposeB, m, n, k, data(*a), lda, data(*b), ldb,
                         accumulate ? 1.0f : 0.0f, data(*c), ldc,
                         static_cast<lipc::abi::ProductPrecision>(precision)))
    return;
  // The CPU cannot read device memory: a product there that cuBLAS does not
  // take (an empty one aside) is an error of the step.
  if (liprt::cuda::onDevice(data(*a)) || liprt::cuda::onDevice(data(*b)) || liprt::cuda::onDevice(data(*c))) {
    if (m > 0 && n > 0)
      liprt::cuda::recordError("a matrix product in device memory that cuBLAS cannot take (a view that is "
                               "not row-major, an empty inner dimension, sizes beyond int, or an operand "
                               "in host memory)");
    return;
  }
  _mlir_ciface_liprt_sgemm(a, b, c, transposeA, transposeB, accumulate, precision);
}

extern "C" void _mlir_ciface_liprt_cuda_sgemm_batched(F32Memref<3> *a, F32Memref<3> *b,
                                                      F32Memref<3> *c, int32_t transposeA,
                                                      int32_t transposeB, int32_t accumulate,
                                                      int32_t precision) {
  // One cuBLAS call for the whole batch when each matrix is row-major and
  // the outputs are distinct.
  int64_t batch = c->sizes[0];
  F32Memref<2> a0 = slice(*a, 0), b0 = slice(*b, 0), c0 = slice(*c, 0);
  int64_t m = c0.sizes[0], n = c0.sizes[1];
  int64_t k = transposeA ? a0.sizes[0] : a0.sizes[1];
  int64_t lda, ldb, ldc;
  if (batch > 0 && m > 0 && n > 0 && k > 0 && (batch == 1 || c->strides[0] != 0) && rowMajor(a0, lda) &&
      rowMajor(b0, ldb) && rowMajor(c0, ldc) && fitBlas({m, n, k, lda, ldb, ldc, batch}) &&
      liprt::cuda::sgemmBatched(transposeA, transposeB, m, n, k, data(a0), lda, a->strides[0], data(b0), ldb,
                                b->strides[0], accumulate ? 1.0f : 0.0f, data(c0), ldc, c->strides[0], batch,
                                static_cast<lipc::abi::ProductPrecision>(precision)))
    return;
  forEachMatrix(*a, *b, *c, [&](F32Memref<2> *as, F32Memref<2> *bs, F32Memref<2> *cs) {
    _mlir_ciface_liprt_cuda_sgemm(as, bs, cs, transposeA, transposeB, accumulate, precision);
  });
}
