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
  forEachMatrix(*a, *b, *c, [&](F32Memref<2> *as, F32Memref<2> *bs, F32Memref<2> *cs) {
    _mlir_ciface_liprt_cuda_sgemm(as, bs, cs, transposeA, transposeB, accumulate, precision);
  });
}
