//===- AllocateOnDevice.cpp - A GPU step's buffers in device memory -------===//
//
// -lip-allocate-on-device: the host code of a GPU step allocates every
// buffer in the GPU's memory, which only kernels and cuBLAS read (the loop
// passes before it leave no host code that reads a buffer). gpu.alloc lowers
// to the runtime's mgpuMemAlloc (device memory from a cache of blocks,
// runtime/src/Cuda.cpp).
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <optional>

namespace mlir::lip {
#define GEN_PASS_DEF_ALLOCATEONDEVICE
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
/// Whether `op` is kernel code (a gpu.module's), which keeps its allocations.
bool inKernel(Operation *op) { return op->getParentOfType<gpu::GPUModuleOp>() != nullptr; }

/// Whether `op`, in host code, reads or writes a buffer (which is now device
/// memory, scalar arguments included: the runtime stages them there).
bool touchesBuffer(Operation *op) {
  return isa<memref::LoadOp, memref::StoreOp, memref::AtomicRMWOp, memref::CopyOp>(op);
}

/// Whether the runtime function `callee` may be handed device memory:
/// cuBLAS's products and the data-parallel collective (NCCL on GPUs). The
/// others (the exact cap's SVD) read their buffers on the host.
bool takesDeviceMemory(StringRef callee) {
  return callee.starts_with("liprt_cuda_") || callee == "liprt_all_reduce_mean";
}

/// The runtime function (a declaration: the step's own functions take
/// device memory) that `op` hands a buffer it would read on the host.
std::optional<StringRef> hostCallee(Operation *op) {
  auto call = dyn_cast<func::CallOp>(op);
  if (!call || takesDeviceMemory(call.getCallee()) ||
      llvm::none_of(call.getOperandTypes(), [](Type t) { return isa<BaseMemRefType>(t); }))
    return std::nullopt;
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
  if (callee && !callee.isDeclaration())
    return std::nullopt;
  return call.getCallee();
}

struct AllocateOnDevice : lip::impl::AllocateOnDeviceBase<AllocateOnDevice> {
  void runOnOperation() override {
    // The host cannot reach device memory: code that would is an error here,
    // not a crash on the GPU.
    WalkResult hostAccess = getOperation().walk([&](Operation *op) {
      if (inKernel(op) || op->getParentOfType<scf::ParallelOp>())
        return WalkResult::advance();
      if (std::optional<StringRef> callee = hostCallee(op)) {
        op->emitError() << "the GPU step would hand device memory to @" << *callee
                        << ", which reads it on the host (not available on the GPU path)";
        return WalkResult::interrupt();
      }
      if (!touchesBuffer(op))
        return WalkResult::advance();
      op->emitError("the GPU step's host code would access a buffer in device memory here (this op "
                    "could not be moved into a parallel loop)");
      return WalkResult::interrupt();
    });
    if (hostAccess.wasInterrupted())
      return signalPassFailure();
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](Operation *op) {
      if (inKernel(op))
        return;
      if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocs.push_back(alloc);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(dealloc);
    });
    // gpu-to-llvm lowers only the async forms of device allocation and
    // deallocation: each between two waits (which the runtime makes no-ops:
    // everything is queued on one stream).
    Type token = gpu::AsyncTokenType::get(&getContext());
    for (memref::AllocOp alloc : allocs) {
      OpBuilder b(alloc);
      Location loc = alloc.getLoc();
      Value start = b.create<gpu::WaitOp>(loc, token, ValueRange()).getAsyncToken();
      auto device = b.create<gpu::AllocOp>(loc, alloc.getType(), token, ValueRange{start},
                                           alloc.getDynamicSizes(), alloc.getSymbolOperands(),
                                           /*hostShared=*/false);
      b.create<gpu::WaitOp>(loc, Type(), ValueRange{device.getAsyncToken()});
      alloc.replaceAllUsesWith(device.getMemref());
      alloc.erase();
    }
    for (memref::DeallocOp dealloc : deallocs) {
      OpBuilder b(dealloc);
      Location loc = dealloc.getLoc();
      Value start = b.create<gpu::WaitOp>(loc, token, ValueRange()).getAsyncToken();
      Value freed =
          b.create<gpu::DeallocOp>(loc, token, ValueRange{start}, dealloc.getMemref())
              .getAsyncToken();
      b.create<gpu::WaitOp>(loc, Type(), ValueRange{freed});
      dealloc.erase();
    }
  }
};
} // namespace
