//===- Cuda.h - The CUDA driver, loaded at run time -----------------------===//
//
// The GPU side of the runtime. libcuda.so.1 is opened with dlopen when first
// needed, so a binary starts and runs on CPU on a machine without a GPU or a
// driver. The `mgpu*` functions that MLIR's GPU host code calls
// (gpu-to-llvm) are defined in Cuda.cpp on top of it: each kernel module is
// loaded once from its embedded fatbinary (sm_90 machine code, PTX for
// later GPUs) or JIT-compiled from its PTX, and cached (MLIR 19's host code
// loads and unloads the module around every launch), every launch and
// product of a step is queued on one stream without a wait (the step's host
// code reads no buffer: the runtime waits once, after the step), and
// buffers are device memory (cuMemAlloc) kept in a BlockCache across steps.
// Only the batch and the scalar arguments go in and the results come out,
// through the copies below. A step's work can be recorded once as a CUDA
// graph and replayed (CompiledStep does), one launch per step. Matrix products of device memory go to cuBLAS (opened with dlopen
// too).
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_CUDA_H
#define LIPRT_CUDA_H

#include "liprt/Status.h"

#include "lipc_abi.h"

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

/// `bytes` of device memory, from the cache of blocks that GPU steps
/// allocate from; null, with the reason for takeError(), when there is none.
void *allocate(size_t bytes);

/// Returns device memory from allocate() or from a compiled GPU step (its
/// results) to the cache.
void release(void *pointer);

/// Queues a copy of `bytes` from host memory to device memory on the
/// step's stream (the host buffer may be reused when it returns).
void copyToDevice(void *device, const void *host, size_t bytes);
/// Copies `bytes` from device memory to host memory after everything queued
/// before it (it waits).
void copyToHost(void *host, const void *device, size_t bytes);
/// Queues a copy of `bytes` within device memory.
void copyOnDevice(void *to, const void *from, size_t bytes);

/// Starts recording what is queued on the step's stream as a CUDA graph
/// instead of running it (false, with the reason for takeError(), when it
/// cannot). The blocks allocated until endCapture belong to the graph.
bool beginCapture();
/// Ends the recording: the graph, ready to launch, which keeps the blocks its
/// work used and the capture released (until dropGraph); null, with the
/// reason in `why`, when the recording failed.
void *endCapture(std::string &why);
/// Queues a graph from endCapture on the step's stream (false, with the
/// reason for takeError(), when it could not).
bool launchGraph(void *graph);
/// Frees a graph from endCapture after its launches finished, and gives its
/// blocks back to the cache.
void dropGraph(void *graph);

/// Whether `pointer` is device memory (false without a usable GPU).
bool onDevice(const void *pointer);

/// Records `message` as the step's error for takeError(), unless one is
/// recorded already.
void recordError(const std::string &message);

/// Loads cuBLAS, which a GPU step's products need (device memory cannot
/// fall back to the CPU); the reason when it cannot.
Status loadBlas();

/// C = op(A) op(B) + beta C (row-major, leading dimensions; beta 0 or 1)
/// queued on cuBLAS when all three are device memory (true; without cuBLAS
/// the error goes to takeError()); false (nothing done) for host memory,
/// for the caller's CPU product. With `precision` bf16 or tf32 the operands
/// are rounded to it and the sums kept in float32 (tensor cores; the
/// model's products under --precision bf16 or tf32).
bool sgemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
           const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
           lipc::abi::ProductPrecision precision = lipc::abi::ProductPrecision::Fp32);

/// `batch` such products in one cuBLAS call (strided batched): product i
/// takes its matrices at a + i strideA, b + i strideB, c + i strideC
/// (elements). Attention's products per head are one call each, not one
/// per head and sequence.
bool sgemmBatched(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k, const float *a,
                  int64_t lda, int64_t strideA, const float *b, int64_t ldb, int64_t strideB, float beta,
                  float *c, int64_t ldc, int64_t strideC, int64_t batch,
                  lipc::abi::ProductPrecision precision = lipc::abi::ProductPrecision::Fp32);

} // namespace liprt::cuda

#endif // LIPRT_CUDA_H
