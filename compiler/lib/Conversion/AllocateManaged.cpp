//===- AllocateManaged.cpp - A GPU step's buffers in managed memory -------===//
//
// -lip-allocate-managed: the host code of a GPU step allocates every buffer
// where both the host and the kernels reach it. gpu.alloc host_shared lowers
// to the runtime's mgpuMemAlloc (CUDA managed memory, runtime/src/Cuda.cpp).
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::lip {
#define GEN_PASS_DEF_ALLOCATEMANAGED
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
/// Whether `op` is kernel code (a gpu.module's), which keeps its allocations.
bool inKernel(Operation *op) { return op->getParentOfType<gpu::GPUModuleOp>() != nullptr; }

struct AllocateManaged : lip::impl::AllocateManagedBase<AllocateManaged> {
  void runOnOperation() override {
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
    for (memref::AllocOp alloc : allocs) {
      OpBuilder b(alloc);
      auto managed = b.create<gpu::AllocOp>(alloc.getLoc(), alloc.getType(), Type(), ValueRange(),
                                            alloc.getDynamicSizes(), alloc.getSymbolOperands(),
                                            /*hostShared=*/true);
      alloc.replaceAllUsesWith(managed.getMemref());
      alloc.erase();
    }
    // gpu-to-llvm lowers only the async gpu.dealloc: wrap it in waits.
    for (memref::DeallocOp dealloc : deallocs) {
      OpBuilder b(dealloc);
      Location loc = dealloc.getLoc();
      Type token = gpu::AsyncTokenType::get(&getContext());
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
