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
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_ONEDNN_H
#define LIPRT_ONEDNN_H

#include <cstdint>
#include <string>

namespace liprt::onednn {
/// Whether products go through oneDNN (loads it at the first call).
bool active();

/// One line for a training log: the backend of the matrix products and,
/// when oneDNN is not used, why.
std::string describe();

/// Whether LIPRT_GEMM holds a value this runtime knows; `message` says
/// which values it takes when not.
bool choiceValid(std::string &message);

/// C = alpha op(A) op(B) + beta C on row-major matrices with leading
/// dimensions (beta 0 or 1). Called inside a parallel region, it runs on
/// the calling thread alone; outside, on all of OpenMP's threads. False when
/// oneDNN is not active, has no primitive for the product or reports an
/// error (it does so before writing C): the caller then computes it. A
/// primitive is created once per shape, alpha, beta and thread count.
bool sgemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k, float alpha,
           const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
           int64_t ldc);
} // namespace liprt::onednn

#endif // LIPRT_ONEDNN_H
