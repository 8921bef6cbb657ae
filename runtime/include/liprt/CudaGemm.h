//===- CudaGemm.h - The matrix products of a step on the GPU --------------===//
//
// The GPU build's -lip-matmul-to-blas (cuda = true) calls these instead of
// liprt/Gemm.h's CPU entry points, with the same arguments and semantics,
// on buffers the GPU reads: cuBLAS, in float32 or with the operands rounded
// to bf16 or TF32 as `precision` asks (float32 sums). A product of host
// memory runs on the CPU entry point; one of device memory that cuBLAS
// cannot take is an error of the step (the CPU cannot read it).
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_CUDAGEMM_H
#define LIPRT_CUDAGEMM_H

#include "liprt/Gemm.h"

extern "C" void _mlir_ciface_liprt_cuda_sgemm(liprt::F32Memref<2> *a, liprt::F32Memref<2> *b,
                                              liprt::F32Memref<2> *c, int32_t transposeA,
                                              int32_t transposeB, int32_t accumulate,
                                              int32_t precision);
extern "C" void _mlir_ciface_liprt_cuda_sgemm_batched(liprt::F32Memref<3> *a,
                                                      liprt::F32Memref<3> *b,
                                                      liprt::F32Memref<3> *c, int32_t transposeA,
                                                      int32_t transposeB, int32_t accumulate,
                                                      int32_t precision);

#endif // LIPRT_CUDAGEMM_H
