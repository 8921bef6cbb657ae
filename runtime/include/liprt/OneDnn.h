//===- OneDnn.h - Matrix products through oneDNN, loaded at run time -------===//
//
// oneDNN's matmul primitive picks its kernels from what the processor
// reports (AVX2, AVX-512, AVX512-BF16, AMX); on the AVX-512 machines
// measured it runs the steps' float32 products about twice as fast as
// Debian's OpenBLAS 0.3.21 (bench/README.md). libdnnl.so.2 is opened at run
// time, so a machine without it (a GPU bundle) keeps OpenBLAS.
//
// LIPRT_GEMM chooses: unset or "auto" takes oneDNN when it loads and has
// an optimized float32 kernel for the processor, "openblas" never loads it.
// Products asked for in bf16 (a binary compiled with --precision bf16) run
// with bf16 operands and float32 accumulation where the processor reports
// AVX512-BF16 or AMX-BF16 and oneDNN has a kernel for them, in float32
// elsewhere; LIPRT_BF16=off keeps them in float32 (as a processor without
// bf16 would).
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_ONEDNN_H
#define LIPRT_ONEDNN_H

#include "liprt/Status.h"

#include <cstdint>
#include <string>

namespace liprt::onednn {
/// Whether products go through oneDNN (loads it at the first call).
bool active();

/// One line for a training log: the backend of the matrix products and,
/// when oneDNN is not used, why.
std::string describe();

/// Whether products asked for in bf16 run so (decided at the first call).
bool bf16Active();

/// One line for a training log: how products asked for in bf16 run, and
/// why not in bf16 when they do not.
std::string describeBf16();

/// Whether LIPRT_GEMM and LIPRT_BF16 hold values this runtime knows; the
/// error says which values one takes when not.
Status checkChoices();

/// C = alpha op(A) op(B) + beta C on row-major matrices with leading
/// dimensions (beta 0 or 1). Called inside a parallel region, it runs on
/// the calling thread alone; outside, on all of OpenMP's threads. False when
/// oneDNN is not active, has no primitive for the product or reports an
/// error (it does so before writing C): the caller then computes it. With
/// `bf16`, A and B are rounded to bf16 (to nearest even) and the product
/// accumulates in float32, where bf16Active(). A primitive is created once
/// per shape, alpha, beta, thread count and operand type.
bool sgemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k, float alpha,
           const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
           int64_t ldc, bool bf16);
} // namespace liprt::onednn

#endif // LIPRT_ONEDNN_H
