//===- Gemm.h - The matrix products compiled steps call -------------------===//
//
// -lip-matmul-to-blas turns the f32 matmuls of a CPU step into calls of
// these entry points with memref descriptors (mlir/ExecutionEngine/
// CRunnerUtils.h layout); the GPU build calls liprt/CudaGemm.h's. Each
// computes C += op(A) op(B), the linalg semantics, or with accumulate = 0
// C = op(A) op(B) (C's old values are not read: the pass
// drops the zero fill before such a product); the batched form one such
// product per leading index. `precision` is a lipc::abi::ProductPrecision:
// with bf16 (the model's products in a step compiled with --precision bf16)
// A and B may be rounded to bf16 and the product accumulated in float32
// (liprt/OneDnn.h says where); with fp32, and with tf32 (a GPU format: the
// CPU has no TF32 instructions), every operand stays float32. liprt_ssyrk computes a Gram product, C = A A^T
// (or A^T A with transposeA = 1): oneDNN's full product, or OpenBLAS's
// ssyrk by halves where oneDNN is not used.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_GEMM_H
#define LIPRT_GEMM_H

#include "lipc_abi.h"

#include <cstdint>

namespace liprt {
/// A rank-`Rank` memref descriptor of f32 (lipc_abi.h).
template <int Rank>
using F32Memref = lipc::abi::Descriptor<float, Rank>;
} // namespace liprt

extern "C" void _mlir_ciface_liprt_sgemm(liprt::F32Memref<2> *a, liprt::F32Memref<2> *b,
                                         liprt::F32Memref<2> *c, int32_t transposeA,
                                         int32_t transposeB, int32_t accumulate, int32_t precision);
extern "C" void _mlir_ciface_liprt_sgemm_batched(liprt::F32Memref<3> *a, liprt::F32Memref<3> *b,
                                                 liprt::F32Memref<3> *c, int32_t transposeA,
                                                 int32_t transposeB, int32_t accumulate,
                                                 int32_t precision);
extern "C" void _mlir_ciface_liprt_ssyrk(liprt::F32Memref<2> *a, liprt::F32Memref<2> *c,
                                         int32_t transposeA);

#endif // LIPRT_GEMM_H
