//===- Cuda.h - The CUDA driver, loaded at run time -----------------------===//
//
// The GPU side of the runtime. libcuda.so.1 is opened with dlopen when first
// needed, so a binary starts and runs on CPU on a machine without a GPU or a
// driver. The `mgpu*` functions that MLIR's GPU host code calls
// (gpu-to-llvm) are defined in Cuda.cpp on top of it: each kernel module is
// JIT-compiled from its embedded PTX once and cached (MLIR 19's host code
// loads and unloads the module around every launch), kernels run on one
// stream, and buffers are managed memory, which host code, BLAS and kernels
// can all address. Matrix products on managed memory go to cuBLAS (opened
// with dlopen too).
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_CUDA_H
#define LIPRT_CUDA_H

#include "liprt/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace liprt::cuda {

/// Whether kernels can run: the driver loaded, initialized, and the
/// selected device (selectDevice) made current. Probed once per process.
struct Availability {
  bool usable = false;
  std::string device; // the device's name when usable
  std::string reason; // why not, in one line, when not
};
const Availability &probe();

/// Runs on CUDA device `ordinal` (0 unless a data-parallel rank takes
/// another): takes effect at the first probe(), so call it before.
void selectDevice(int ordinal);

/// The stream every kernel of a step runs on (the driver's CUstream); null
/// without a usable GPU.
void *stream();

/// The first CUDA error since the last call (a failed launch, load or
/// allocation inside a compiled step), cleared; ok when there was none.
Status takeError();

/// Waits for every kernel issued so far.
Status synchronize();

/// `bytes` of managed memory (the host and the device address it); null,
/// with the reason for takeError(), when there is none.
void *allocate(size_t bytes);

/// Frees managed memory from allocate() or from a compiled GPU step (its
/// results).
void release(void *pointer);

/// C = op(A) op(B) + beta C (row-major, leading dimensions; beta 0 or 1)
/// with cuBLAS when a GPU step is running and all three are managed memory;
/// false (nothing done) otherwise, for the caller's CPU product. With
/// `bf16` the operands are rounded to bf16 and the sums kept in float32
/// (tensor cores; the model's products under --precision bf16). Waits for
/// the product, since host code may read C next.
bool sgemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
           const float *b, int64_t ldb, float beta, float *c, int64_t ldc, bool bf16 = false);

} // namespace liprt::cuda

#endif // LIPRT_CUDA_H
