//===- Distributed.cpp - Data-parallel training over MPI ranks ------------===//
//
// liprt/Distributed.h. Open MPI is opened with dlopen, so that binaries
// neither link it nor need it outside mpirun; its functions are resolved by
// name with the types of its own header, and its predefined handles
// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM), which mpi.h defines as the
// addresses of library globals, by those globals' names. When the ranks
// train on GPUs, NCCL averages the gradients instead (Nccl.cpp), and MPI
// only carries its unique id.
//
//===----------------------------------------------------------------------===//

#include "liprt/Distributed.h"
#include "Nccl.h"
#include "SharedLibrary.h"

// Only MPI's C interface: its deprecated C++ bindings are not used.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
/// What a joined run uses of Open MPI.
struct Mpi {
  decltype(&MPI_Init) init = nullptr;
  decltype(&MPI_Finalize) finalize = nullptr;
  decltype(&MPI_Abort) abort = nullptr;
  decltype(&MPI_Comm_rank) commRank = nullptr;
  decltype(&MPI_Comm_size) commSize = nullptr;
  decltype(&MPI_Reduce) reduce = nullptr;
  decltype(&MPI_Bcast) bcast = nullptr;
  MPI_Comm world = nullptr;
  MPI_Datatype float32 = nullptr;
  MPI_Datatype byte = nullptr;
  MPI_Op sum = nullptr;
};

Mpi mpi;
liprt::dist::Ranks joined;
bool isJoined = false;

/// Opens Open MPI and resolves what a run uses of it.
liprt::Status load() {
  void *library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
  if (!library)
    return liprt::Status::error(std::string("started by mpirun, but Open MPI's library cannot be "
                                            "opened (Debian's libopenmpi3): ") +
                                dlerror());
  liprt::Symbols resolve(library);
  resolve(mpi.init, "MPI_Init");
  resolve(mpi.finalize, "MPI_Finalize");
  resolve(mpi.abort, "MPI_Abort");
  resolve(mpi.commRank, "MPI_Comm_rank");
  resolve(mpi.commSize, "MPI_Comm_size");
  resolve(mpi.reduce, "MPI_Reduce");
  resolve(mpi.bcast, "MPI_Bcast");
  resolve(mpi.world, "ompi_mpi_comm_world");
  resolve(mpi.float32, "ompi_mpi_float");
  resolve(mpi.byte, "ompi_mpi_byte");
  resolve(mpi.sum, "ompi_mpi_op_sum");
  if (!resolve.firstMissing().empty())
    return liprt::Status::error("libmpi.so.40 lacks " + resolve.firstMissing());
  return liprt::Status::ok();
}

/// The environment variable `name` as a number in [least, 2^20], or
/// `unset` when it is not set.
liprt::Result<int> environmentCount(const char *name, int least, int unset) {
  const char *text = std::getenv(name);
  if (!text)
    return unset;
  char *end = nullptr;
  long count = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || count < least || count > 1 << 20)
    return liprt::Status::error(std::string(name) + " is \"" + text + "\": not a rank number");
  return static_cast<int>(count);
}
} // namespace

liprt::Result<liprt::dist::Ranks> liprt::dist::launchedRanks() {
  Result<int> size = environmentCount("OMPI_COMM_WORLD_SIZE", 1, 0);
  if (!size)
    return size.status();
  if (*size > 0) {
    Result<int> rank = environmentCount("OMPI_COMM_WORLD_RANK", 0, -1);
    if (!rank)
      return rank.status();
    if (*rank < 0 || *rank >= *size)
      return Status::error("OMPI_COMM_WORLD_SIZE is set without a rank below it");
    // Without a local rank, all ranks are taken to share one machine.
    Result<int> local = environmentCount("OMPI_COMM_WORLD_LOCAL_RANK", 0, *rank);
    if (!local)
      return local.status();
    return Ranks{*rank, *size, *local};
  }
  // MPICH, Intel MPI and Slurm's PMI launchers: their ranks would not find
  // each other through Open MPI, and each would train on its own.
  for (const char *other : {"PMI_SIZE", "PMIX_SIZE"}) {
    Result<int> count = environmentCount(other, 1, 1);
    if (!count || *count > 1)
      return Status::error(std::string("started by a launcher other than Open MPI's mpirun (") +
                           other + " is set): data-parallel runs need Open MPI");
  }
  return Ranks{};
}

liprt::Result<liprt::dist::Ranks> liprt::dist::join() {
  Result<Ranks> launched = launchedRanks();
  if (!launched)
    return launched.status();
  if (launched->size == 1 || isJoined)
    return joined;
  if (Status s = load(); !s)
    return s;
  // MPI's default error handler on MPI_COMM_WORLD is fatal: a failed
  // collective ends every rank rather than returning here.
  if (mpi.init(nullptr, nullptr) != MPI_SUCCESS)
    return Status::error("MPI_Init failed");
  mpi.commRank(mpi.world, &joined.rank);
  mpi.commSize(mpi.world, &joined.size);
  joined.local = launched->local;
  isJoined = true;
  return joined;
}

liprt::Status liprt::dist::useNccl(void *stream, std::function<Status()> wait,
                                   const std::string &library) {
  if (!isJoined)
    return Status::error("NCCL averages the gradients of a run that mpirun started with more than "
                         "one rank");
  auto broadcast = [](void *bytes, size_t count) {
    mpi.bcast(bytes, static_cast<int>(count), mpi.byte, 0, mpi.world);
  };
  return nccl::join(joined, broadcast, stream, std::move(wait), library);
}

std::string liprt::dist::describeCollective() {
  if (nccl::joined())
    return nccl::describe() + " on the GPUs";
  return isJoined ? "Open MPI" : "none (one process)";
}

int liprt::dist::finish(int code) {
  if (!isJoined)
    return code;
  nccl::leave(/*clean=*/code == 0);
  if (code != 0) {
    std::fflush(stdout);
    std::fflush(stderr);
    mpi.abort(mpi.world, code);
  }
  mpi.finalize();
  isJoined = false;
  return code;
}

namespace {
/// A collective failed: the ranks no longer hold the same weights, so the
/// run ends on every rank.
[[noreturn]] void endRun(const liprt::Status &why) {
  std::fprintf(stderr, "rank %d: %s; ending the run\n", joined.rank, why.message().c_str());
  liprt::dist::finish(1);
  std::exit(1);
}

/// allReduceMean over MPI, on host memory.
void mpiAllReduceMean(float *x, int64_t count) {
  // MPI counts are ints: a long vector goes in pieces, each reduced alike.
  constexpr int64_t kPiece = 1 << 28;
  // Only rank 0 receives the sums (MPI ignores the other ranks' buffer).
  std::vector<float> sum(joined.rank == 0 ? static_cast<size_t>(std::min(count, kPiece)) : 0);
  const float scale = 1.0f / static_cast<float>(joined.size);
  for (int64_t first = 0; first < count; first += kPiece) {
    const int n = static_cast<int>(std::min(kPiece, count - first));
    mpi.reduce(x + first, sum.data(), n, mpi.float32, mpi.sum, 0, mpi.world);
    if (joined.rank == 0)
      for (int i = 0; i < n; ++i)
        x[first + i] = sum[i] * scale;
    mpi.bcast(x + first, n, mpi.float32, 0, mpi.world);
  }
}
} // namespace

void liprt::dist::allReduceMean(float *x, int64_t count) {
  if (joined.size == 1)
    return;
  if (!nccl::joined())
    return mpiAllReduceMean(x, count);
  if (Status s = nccl::allReduceMean(x, static_cast<size_t>(count)); !s)
    endRun(s);
}

extern "C" void _mlir_ciface_liprt_all_reduce_mean(UnrankedMemRefType<float> *buffer) {
  DynamicMemRefType<float> view(*buffer);
  const int64_t rank = view.rank, *sizes = view.sizes, *strides = view.strides;
  float *data = view.data + view.offset;
  int64_t count = 1;
  bool dense = true;
  for (int64_t d = rank - 1; d >= 0; --d) {
    dense = dense && (sizes[d] == 1 || strides[d] == count);
    count *= sizes[d];
  }
  if (dense || count == 0) {
    liprt::dist::allReduceMean(data, count);
    return;
  }
  // Any other layout is copied through the host and reduced there over MPI
  // (GPU steps' buffers are managed memory, which the host reads once the
  // device is done): element i at its row-major index.
  if (liprt::dist::nccl::joined())
    if (liprt::Status s = liprt::dist::nccl::synchronize(); !s)
      endRun(s);
  auto at = [&](int64_t i) -> float & {
    int64_t offset = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      offset += (i % sizes[d]) * strides[d];
      i /= sizes[d];
    }
    return data[offset];
  };
  std::vector<float> copy(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    copy[i] = at(i);
  if (joined.size > 1)
    mpiAllReduceMean(copy.data(), count);
  for (int64_t i = 0; i < count; ++i)
    at(i) = copy[i];
}
