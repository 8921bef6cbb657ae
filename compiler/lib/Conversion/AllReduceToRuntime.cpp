//===- AllReduceToRuntime.cpp - lipopt.all_reduce as runtime calls --------===//
//
// -lip-all-reduce-to-runtime: the form of lipopt.all_reduce on buffers (what
// one-shot bufferization makes of it) becomes one call of
// liprt_all_reduce_mean per buffer, which replaces it in place by its mean
// over the ranks (runtime/include/liprt/Distributed.h). With single-process
// either form goes away: the results are the operands.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"

#include "lipc/Conversion/Passes.h"

#include "lip/Dialect/LipOpt/LipOptDialect.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::lip {
#define GEN_PASS_DEF_ALLREDUCETORUNTIME
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip::lowering;

namespace {
constexpr llvm::StringLiteral kCollective = "liprt_all_reduce_mean";

/// One call per buffer, in operand order (every rank reduces the same
/// buffers in the same order), each passed as an unranked memref.
LogicalResult replaceByCalls(lipopt::AllReduceOp op) {
  OpBuilder b(op);
  MLIRContext *context = b.getContext();
  auto unranked = UnrankedMemRefType::get(Float32Type::get(context), /*memorySpace=*/0);
  func::FuncOp collective =
      declareRuntimeFunction(op->getParentOfType<ModuleOp>(), kCollective,
                             FunctionType::get(context, {unranked}, {}));
  for (Value buffer : op.getInputs()) {
    if (!cast<MemRefType>(buffer.getType()).getElementType().isF32())
      return op.emitOpError("the runtime reduces float32 buffers only, got ") << buffer.getType();
    Value any = b.create<memref::CastOp>(op.getLoc(), unranked, buffer);
    b.create<func::CallOp>(op.getLoc(), collective, ValueRange{any});
  }
  op->erase();
  return success();
}

struct AllReduceToRuntime : lip::impl::AllReduceToRuntimeBase<AllReduceToRuntime> {
  using AllReduceToRuntimeBase::AllReduceToRuntimeBase;

  void runOnOperation() override {
    SmallVector<lipopt::AllReduceOp> ops;
    getOperation().walk([&](lipopt::AllReduceOp op) { ops.push_back(op); });
    for (lipopt::AllReduceOp op : ops) {
      if (singleProcess) {
        op->replaceAllUsesWith(op.getInputs());
        op->erase();
        continue;
      }
      if (!op.onBuffers()) {
        op.emitOpError("lowers on buffers: bufferize first (one-shot bufferization makes the "
                       "form in place)");
        return signalPassFailure();
      }
      if (failed(replaceByCalls(op)))
        return signalPassFailure();
    }
  }
};
} // namespace
