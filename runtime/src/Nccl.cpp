//===- Nccl.cpp - The gradients' collective on GPUs, over NCCL ------------===//
//
// Nccl.h. The entry points are resolved by name with the types of
// NcclAbi.h; the library is opened with RTLD_LOCAL, so nothing else in the
// process sees it.
//
//===----------------------------------------------------------------------===//

#include "Nccl.h"
#include "NcclAbi.h"
#include "SharedLibrary.h"

#include <fmt/format.h>

#include <dlfcn.h>

#include <utility>

using namespace liprt;
namespace ncclabi = liprt::nccl_abi;

namespace {
/// What a run uses of NCCL, and its communicator once joined.
struct Engine {
  ncclabi::GetVersion getVersion = nullptr;
  ncclabi::GetUniqueId getUniqueId = nullptr;
  ncclabi::CommInitRank commInitRank = nullptr;
  ncclabi::AllReduce allReduce = nullptr;
  ncclabi::CommEnd commDestroy = nullptr;
  ncclabi::CommEnd commAbort = nullptr;
  ncclabi::GetErrorString errorString = nullptr;
  ncclabi::GetLastError lastError = nullptr;
  int version = 0;
  ncclabi::Comm comm = nullptr;
  ncclabi::Stream stream = nullptr;
  std::function<Status()> wait;
};

Engine engine;

/// "major.minor.patch" of a version code.
std::string versionText(int code) {
  return fmt::format("{}.{}.{}", code / ncclabi::kVersionCodeBase, code / 100 % 100, code % 100);
}

/// Opens NCCL and resolves every entry point the engine calls.
Status load(const std::string &library) {
  const std::string name = library.empty() ? "libnccl.so.2" : library;
  std::string why;
  void *handle = library.empty() ? openCudaLibrary({"libnccl.so.2"}, why)
                                 : dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle && !library.empty())
    why = dlerror();
  if (!handle)
    return Status::error(fmt::format("data-parallel training on GPUs needs NCCL, and {} cannot be "
                                     "opened (its directory belongs on LD_LIBRARY_PATH): {}",
                                     name, why));
  Symbols resolve(handle);
  resolve(engine.getVersion, "ncclGetVersion");
  resolve(engine.getUniqueId, "ncclGetUniqueId");
  resolve(engine.commInitRank, "ncclCommInitRank");
  resolve(engine.allReduce, "ncclAllReduce");
  resolve(engine.commDestroy, "ncclCommDestroy");
  resolve(engine.commAbort, "ncclCommAbort");
  resolve(engine.errorString, "ncclGetErrorString");
  resolve(engine.lastError, "ncclGetLastError");
  if (!resolve.firstMissing().empty())
    return Status::error(fmt::format("{} lacks {}: not a usable NCCL", name, resolve.firstMissing()));
  if (engine.getVersion(&engine.version) != ncclabi::kSuccess)
    return Status::error(name + ": ncclGetVersion failed");
  if (engine.version < ncclabi::kOldestWithAverage)
    return Status::error(fmt::format("{} is NCCL {}: the gradients' mean (ncclAvg) needs 2.10 or later",
                                     name, versionText(engine.version)));
  return Status::ok();
}

/// `what` failed with `result`: NCCL's words for it, and its last message.
Status failure(const char *what, ncclabi::Result result) {
  std::string detail = engine.errorString(result);
  const char *last = engine.lastError(engine.comm);
  if (last && *last)
    detail += fmt::format(": {}", last);
  return Status::error(fmt::format("{} failed (NCCL {}): {}", what, versionText(engine.version), detail));
}
} // namespace

Status dist::nccl::join(const Ranks &ranks, const Broadcast &broadcast, void *stream,
                        std::function<Status()> wait, const std::string &library) {
  if (joined())
    return Status::ok();
  if (Status s = load(library); !s)
    return s;
  ncclabi::UniqueId id{};
  // Every rank takes part in the broadcast, so that none waits for a rank
  // 0 whose id failed; an all-zero id then fails every rank's init.
  ncclabi::Result made = ranks.rank == 0 ? engine.getUniqueId(&id) : ncclabi::kSuccess;
  broadcast(id.bytes, sizeof(id.bytes));
  if (made != ncclabi::kSuccess)
    return failure("ncclGetUniqueId", made);
  if (ncclabi::Result r = engine.commInitRank(&engine.comm, ranks.size, id, ranks.rank); r != ncclabi::kSuccess) {
    engine.comm = nullptr;
    return failure(fmt::format("ncclCommInitRank (rank {} of {})", ranks.rank, ranks.size).c_str(), r);
  }
  engine.stream = stream;
  engine.wait = std::move(wait);
  return Status::ok();
}

bool dist::nccl::joined() { return engine.comm != nullptr; }

std::string dist::nccl::describe() { return "NCCL " + versionText(engine.version); }

Status dist::nccl::allReduceMean(float *x, size_t count) {
  if (ncclabi::Result r = engine.allReduce(x, x, count, ncclabi::kFloat32, ncclabi::kAverage, engine.comm, engine.stream);
      r != ncclabi::kSuccess)
    return failure("the gradients' ncclAllReduce", r);
  // Host code of the step may read the result next (the loss): wait.
  return synchronize();
}

Status dist::nccl::synchronize() { return engine.wait(); }

void dist::nccl::leave(bool clean) {
  if (!joined())
    return;
  (clean ? engine.commDestroy : engine.commAbort)(engine.comm);
  engine.comm = nullptr;
}
