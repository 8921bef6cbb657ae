//===- FakeNccl.cpp - NCCL's entry points on host memory, over MPI --------===//
//
// A stand-in for libnccl.so.2 that DistributedTest opens instead of the
// real one, to test the NCCL engine (runtime/src/Nccl.cpp) on a machine
// without GPUs: the same C entry points, computed over MPI on host memory.
// It checks what NCCL requires of its caller and fails as NCCL would: only
// rank 0 makes the unique id, every rank passes the same id, its rank and
// the run's size, and the gradients are float32 averages. FAKE_NCCL_VERSION
// sets the version it reports (a version code, default 21234 = 2.12.34).
//
//===----------------------------------------------------------------------===//

#include "../../runtime/src/NcclAbi.h"

#include <mpi.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace ncclabi = liprt::nccl_abi;

struct ncclComm {
  int ranks;
};

namespace {
constexpr ncclabi::Result kInvalidArgument = 4, kInvalidUsage = 5;
std::string lastError;

ncclabi::Result refuse(ncclabi::Result code, const std::string &why) {
  lastError = why;
  return code;
}

int worldRank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}
} // namespace

extern "C" {
ncclabi::Result ncclGetVersion(int *version) {
  const char *forced = std::getenv("FAKE_NCCL_VERSION");
  *version = forced ? std::atoi(forced) : 21234;
  return ncclabi::kSuccess;
}

ncclabi::Result ncclGetUniqueId(ncclabi::UniqueId *id) {
  if (worldRank() != 0)
    return refuse(kInvalidUsage, "ncclGetUniqueId called on a rank other than 0");
  std::memset(id->bytes, 0, sizeof(id->bytes));
  std::string text = "fake nccl id " + std::to_string(std::rand());
  std::memcpy(id->bytes, text.data(), text.size());
  return ncclabi::kSuccess;
}

ncclabi::Result ncclCommInitRank(ncclabi::Comm *comm, int ranks, ncclabi::UniqueId id, int rank) {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (ranks != size || rank != worldRank())
    return refuse(kInvalidArgument, "rank or size differ from the launcher's");
  std::vector<char> all(sizeof(id.bytes) * size);
  MPI_Allgather(id.bytes, sizeof(id.bytes), MPI_BYTE, all.data(), sizeof(id.bytes), MPI_BYTE, MPI_COMM_WORLD);
  for (int r = 0; r < size; ++r)
    if (std::memcmp(all.data() + r * sizeof(id.bytes), all.data(), sizeof(id.bytes)) != 0 || !all[0])
      return refuse(kInvalidArgument, "the ranks were given different unique ids");
  *comm = new ncclComm{ranks};
  return ncclabi::kSuccess;
}

ncclabi::Result ncclAllReduce(const void *send, void *receive, size_t count, int type, int op, ncclabi::Comm comm,
                          ncclabi::Stream) {
  if (type != ncclabi::kFloat32 || op != ncclabi::kAverage)
    return refuse(kInvalidArgument, "not a float32 average");
  float *out = static_cast<float *>(receive);
  MPI_Allreduce(send == receive ? MPI_IN_PLACE : send, out, static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                MPI_COMM_WORLD);
  for (size_t i = 0; i < count; ++i)
    out[i] /= static_cast<float>(comm->ranks);
  return ncclabi::kSuccess;
}

ncclabi::Result ncclCommDestroy(ncclabi::Comm comm) {
  delete comm;
  return ncclabi::kSuccess;
}

ncclabi::Result ncclCommAbort(ncclabi::Comm comm) { return ncclCommDestroy(comm); }

const char *ncclGetErrorString(ncclabi::Result result) {
  return result == ncclabi::kSuccess ? "no error" : "invalid argument or usage";
}

const char *ncclGetLastError(ncclabi::Comm) { return lastError.c_str(); }
}
