//===- AllReduceToRuntime.cpp - lipopt.all_reduce as runtime calls --------===//
//
// -lip-all-reduce-to-runtime: each float32 operand of a lipopt.all_reduce
// becomes a fresh dense buffer that liprt_all_reduce_mean replaces in place
// by its mean over the ranks (runtime/include/liprt/Distributed.h); with
// single-process, the results are the operands.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"

#include "lipc/Conversion/Passes.h"

#include "lip/Dialect/LipOpt/LipOptDialect.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::lip {
#define GEN_PASS_DEF_ALLREDUCETORUNTIME
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip::lowering;

namespace {
constexpr llvm::StringLiteral kCollective = "liprt_all_reduce_mean";

/// The buffer `tensor` reduces in: a dense copy of it (the operand's own
/// buffer may be a strided view, or read again after the collective).
Value denseCopy(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
  Value source = b.create<bufferization::ToMemrefOp>(
      loc, MemRefType::get(type.getShape(), type.getElementType(), layout), tensor,
      /*read_only=*/true);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(b.create<tensor::DimOp>(loc, tensor, d));
  Value buffer = b.create<memref::AllocOp>(
      loc, MemRefType::get(type.getShape(), type.getElementType()), dynamicSizes);
  b.create<memref::CopyOp>(loc, source, buffer);
  return buffer;
}

/// `buffer` (dense, identity layout) as one flat vector of all its elements.
Value flat(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value count = one;
  for (int64_t d = 0; d < type.getRank(); ++d)
    count = b.create<arith::MulIOp>(loc, count, b.create<memref::DimOp>(loc, buffer, d));
  auto vector = MemRefType::get({ShapedType::kDynamic}, type.getElementType());
  Value view = b.create<memref::ReinterpretCastOp>(loc, vector, buffer, zero, ValueRange{count},
                                                   ValueRange{one});
  return b.create<memref::CastOp>(loc, anyLayoutMemRefType(type.getElementType(), 1), view);
}

/// The runtime call in place of `op`: one per operand, in operand order
/// (every rank reduces the same tensors in the same order).
void replaceByCalls(lipopt::AllReduceOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto module = op->getParentOfType<ModuleOp>();
  SmallVector<Value> results;
  for (Value input : op.getInputs()) {
    Value buffer = denseCopy(b, loc, input);
    Value vector = flat(b, loc, buffer);
    func::FuncOp collective = declareRuntimeFunction(
        module, kCollective, FunctionType::get(b.getContext(), {vector.getType()}, {}));
    b.create<func::CallOp>(loc, collective, ValueRange{vector});
    results.push_back(b.create<bufferization::ToTensorOp>(loc, input.getType(), buffer,
                                                          /*restrict=*/true,
                                                          /*writable=*/false));
  }
  op->replaceAllUsesWith(results);
  op->erase();
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
      for (Type type : op.getInputs().getTypes())
        if (!cast<RankedTensorType>(type).getElementType().isF32()) {
          op.emitOpError("the runtime reduces float32 tensors only, got ") << type;
          return signalPassFailure();
        }
      replaceByCalls(op);
    }
  }
};
} // namespace
