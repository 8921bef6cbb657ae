//===- CublasAbi.h - The part of cuBLAS's C interface the runtime calls ---===//
//
// cuBLAS is opened with dlopen (Cuda.cpp), and its few entry points are a
// stable C ABI, declared here rather than taken from cublas_api.h so that
// the runtime builds without a CUDA toolkit. CudaLibrariesAbiTest checks
// every value and signature against the toolkit's headers where installed.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_CUBLASABI_H
#define LIPRT_CUBLASABI_H

#include <cstddef>

namespace liprt::cublas_abi {
using Status = int;     // cublasStatus_t
using Handle = void *;  // cublasHandle_t
using Stream = void *;  // cudaStream_t, the driver's CUstream

constexpr Status kSuccess = 0;
constexpr int kOpN = 0, kOpT = 1; // cublasOperation_t
constexpr int kFloat32 = 0;       // cudaDataType CUDA_R_32F
/// cublasComputeType_t CUBLAS_COMPUTE_32F_FAST_16BF: float32 storage and
/// accumulation, operands rounded to bf16 for the tensor cores.
constexpr int kCompute32fFast16bf = 75;
/// CUBLAS_COMPUTE_32F_FAST_TF32: the same, operands rounded to TF32.
constexpr int kCompute32fFastTf32 = 77;
constexpr int kDefaultAlgorithm = -1; // CUBLAS_GEMM_DEFAULT

using Create = Status (*)(Handle *handle);
using SetStream = Status (*)(Handle handle, Stream stream);
using SetWorkspace = Status (*)(Handle handle, void *workspace, size_t bytes);
using SgemmStridedBatched = Status (*)(Handle handle, int transA, int transB, int m, int n, int k,
                                      const float *alpha, const float *a, int lda, long long strideA,
                                      const float *b, int ldb, long long strideB, const float *beta, float *c,
                                      int ldc, long long strideC, int batch);
using GemmStridedBatchedEx = Status (*)(Handle handle, int transA, int transB, int m, int n, int k,
                                        const void *alpha, const void *a, int aType, int lda, long long strideA,
                                        const void *b, int bType, int ldb, long long strideB, const void *beta,
                                        void *c, int cType, int ldc, long long strideC, int batch,
                                        int computeType, int algorithm);
} // namespace liprt::cublas_abi

#endif // LIPRT_CUBLASABI_H
