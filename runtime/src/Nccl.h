//===- Nccl.h - The gradients' collective on GPUs, over NCCL -----*- C++ -*-===//
//
// The NCCL engine of liprt/Distributed.h: when a data-parallel run trains
// on GPUs, each rank's gradients (device or managed memory) are averaged by
// ncclAllReduce on the step's stream instead of being copied through MPI.
// NCCL (libnccl.so.2) is opened with dlopen when a run asks for it. Rank 0
// makes the communicator's unique id and MPI carries it to the others.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_NCCL_H
#define LIPRT_NCCL_H

#include "liprt/Distributed.h"

#include <cstddef>
#include <functional>
#include <string>

namespace liprt::dist::nccl {

/// Sends rank 0's `count` bytes at `bytes` to every other rank's `bytes`.
using Broadcast = std::function<void(void *bytes, size_t count)>;

/// Opens `library` (libnccl.so.2 from the usual places when empty) and
/// creates this rank's communicator among `ranks`
/// (every rank calls it), whose collectives run on `stream` and are waited
/// for with `wait`.
Status join(const Ranks &ranks, const Broadcast &broadcast, void *stream,
            std::function<Status()> wait, const std::string &library);

/// Whether join() succeeded and leave() has not been called since.
bool joined();

/// The library and its version, e.g. "NCCL 2.28.9".
std::string describe();

/// Replaces x[0..count) (GPU-accessible memory) on every rank by its mean
/// over the ranks, and waits for it. The reason when NCCL fails: the ranks
/// no longer agree, so the caller must end the run.
Status allReduceMean(float *x, size_t count);

/// Waits for the communicator's stream (what join() was given).
Status synchronize();

/// Ends the communicator: destroyed after a clean run, aborted otherwise
/// (so that no rank waits for one that stopped).
void leave(bool clean);

} // namespace liprt::dist::nccl

#endif // LIPRT_NCCL_H
