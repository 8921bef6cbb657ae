//===- Distributed.h - Data-parallel training over MPI ranks -----*- C++ -*-===//
//
// A binary started by Open MPI's `mpirun -np N` trains data-parallel: every
// rank runs the compiled step on its shard of each batch, and the step's
// lipopt.all_reduce (-lip-all-reduce-to-runtime) calls
// liprt_all_reduce_mean, which turns each rank's loss and gradients into
// the whole batch's. Open MPI (libmpi.so.40) is opened at run time, only
// under mpirun: a binary started on its own never loads it and behaves as a
// single process. One rank (N = 1) runs as a single process too. A run on
// GPUs moves the collective onto NCCL (useNccl): one GPU per rank, the
// gradients averaged on the device.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_DISTRIBUTED_H
#define LIPRT_DISTRIBUTED_H

#include "liprt/Status.h"

#include "lipc_abi.h"

#include <cstdint>
#include <functional>
#include <string>

namespace liprt::dist {

/// This process's place in the run: rank 0 of 1 outside mpirun.
struct Ranks {
  int rank = 0;
  int size = 1;
  int local = 0; // among the ranks on this machine: the GPU it takes
};

/// This process's place among the ranks the launcher started (rank 0 of 1
/// outside mpirun), from its environment, without opening MPI. An error
/// for a launcher other than Open MPI's (its ranks would each train alone).
Result<Ranks> launchedRanks();

/// Joins the ranks of a run started by mpirun with more than one rank:
/// opens Open MPI and initializes it. Outside mpirun, or with one rank,
/// MPI is not opened and the result is rank 0 of 1.
Result<Ranks> join();

/// Ends this rank's part of a joined run with exit code `code`: 0 finalizes
/// MPI and returns 0; any other code aborts every rank (MPI_Abort), since
/// the others would wait for this one in the next collective. Returns
/// `code` unchanged when no run was joined.
int finish(int code);

/// From now on averages the gradients with NCCL (`library`, opened at run
/// time; by default libnccl.so.2 from the loader's path or the CUDA
/// toolkit's) on `stream`, waiting with `wait`: for GPU steps, whose buffers the
/// GPU holds. Every rank of a joined run calls it; rank 0 makes NCCL's
/// unique id and MPI sends it to the others.
Status useNccl(void *stream, std::function<Status()> wait,
               const std::string &library = "");

/// The engine that averages the gradients, for the training log: "Open
/// MPI", "NCCL 2.28.9 on the GPUs", or "none (one process)".
std::string describeCollective();

/// Replaces x[0..count) on every rank by its mean over the ranks. Rank 0
/// sums the ranks' values and broadcasts the mean, so every rank holds the
/// same bits and the weights they update stay identical (NCCL's all-reduce
/// also gives every rank the same bits). Nothing to do in a single process.
/// A failed collective ends the run on every rank.
void allReduceMean(float *x, int64_t count);

} // namespace liprt::dist

/// The collective a data-parallel step calls on each of its gradients'
/// buffers (liprt::dist::allReduceMean), of any rank and layout.
extern "C" void _mlir_ciface_liprt_all_reduce_mean(UnrankedMemRefType<float> *buffer);

#endif // LIPRT_DISTRIBUTED_H
