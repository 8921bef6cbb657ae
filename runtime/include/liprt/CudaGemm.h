//===- CudaGemm.h - The matrix products of a step on the GPU --------------===//
//
// The GPU build's -lip-matmul-to-blas (cuda = true) calls these instead of
// liprt/Gemm.h's CPU entry points, with the same arguments and semantics,
// on buffers the GPU reads. cuBLAS computes them in float32 (bf16 asked or
// not); a view cuBLAS cannot take, or a failed call, runs on the CPU entry
// point (the buffers are host-readable too).
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_CUDAGEMM_H
#define LIPRT_CUDAGEMM_H

#include "liprt/Gemm.h"

extern "C" void _mlir_ciface_liprt_cuda_sgemm(liprt::F32Memref<2> *a, liprt::F32Memref<2> *b,
                                              liprt::F32Memref<2> *c, int32_t transposeA,
                                              int32_t transposeB, int32_t accumulate,
                                              int32_t bf16);
extern "C" void _mlir_ciface_liprt_cuda_sgemm_batched(liprt::F32Memref<3> *a,
                                                      liprt::F32Memref<3> *b,
                                                      liprt::F32Memref<3> *c, int32_t transposeA,
                                                      int32_t transposeB, int32_t accumulate,
                                                      int32_t bf16);

#endif // LIPRT_CUDAGEMM_H
