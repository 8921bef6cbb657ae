//===- NcclAbi.h - The part of NCCL's C interface the runtime calls -------===//
//
// NCCL is opened with dlopen (Nccl.cpp), and its few entry points are a
// stable C ABI, declared here rather than taken from nccl.h so that the
// runtime builds without a CUDA toolkit. CudaLibrariesAbiTest checks every
// value and signature against nccl.h where one is installed.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_NCCLABI_H
#define LIPRT_NCCLABI_H

#include <cstddef>

struct ncclComm; // NCCL's communicator, opaque

namespace liprt::nccl_abi {
using Result = int; // ncclResult_t
using Comm = ncclComm *;
using Stream = void *; // cudaStream_t, the driver's CUstream

constexpr Result kSuccess = 0;
constexpr int kFloat32 = 7; // ncclFloat32
constexpr int kAverage = 4; // ncclAvg (NCCL 2.10 and later)
/// Versions from NCCL 2.9 on are major * 10000 + minor * 100 + patch.
constexpr int kVersionCodeBase = 10000;
constexpr int kOldestWithAverage = 21000;

/// ncclUniqueId: what rank 0 makes and every other rank must receive.
struct UniqueId {
  char bytes[128];
};

using GetVersion = Result (*)(int *version);
using GetUniqueId = Result (*)(UniqueId *id);
using CommInitRank = Result (*)(Comm *comm, int ranks, UniqueId id, int rank);
using AllReduce = Result (*)(const void *send, void *receive, size_t count, int type, int op, Comm comm,
                             Stream stream);
using CommEnd = Result (*)(Comm comm); // ncclCommDestroy, ncclCommAbort
using GetErrorString = const char *(*)(Result result);
using GetLastError = const char *(*)(Comm comm);
} // namespace liprt::nccl_abi

#endif // LIPRT_NCCLABI_H
