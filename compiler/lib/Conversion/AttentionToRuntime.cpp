//===- AttentionToRuntime.cpp - Attention as the runtime's fused kernels --===//
//
// -lip-attention-to-runtime: float32 lip.attention and lip.attention_grad
// become calls of liprt_attention / liprt_attention_grad on buffers
// (runtime/include/liprt/Attention.h), so the CPU step never materializes a
// score tensor per head and skips the masked half of causal attention.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"

#include "lipc/Conversion/Passes.h"

#include "lip/Dialect/Lip/LipDialect.h"

namespace mlir::lip {
#define GEN_PASS_DEF_ATTENTIONTORUNTIME
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip;
using namespace mlir::lip::lowering;

namespace {
constexpr int64_t kRank = 4; // [batch, tokens, heads, head_dim]

/// Builds the call of one kernel in place of `op`: operands in, as
/// read-only buffers; `outputs` fresh buffers shaped like the query that
/// leave as the op's results; then the causal flag and the two scales.
class KernelCall {
public:
  KernelCall(Operation *op, Value query) : op(op), b(op), loc(op->getLoc()), query(query) {
    type = cast<RankedTensorType>(query.getType());
    anyLayout = anyLayoutMemRefType(type.getElementType(), kRank);
  }

  void replace(StringRef kernel, ValueRange inputs, unsigned outputs, bool causal,
               double logitScale, double outputFactor) {
    SmallVector<Value> args;
    for (Value input : inputs)
      args.push_back(b.create<memref::CastOp>(loc, anyLayout, inputBuffer(input)));
    SmallVector<Value> results, buffers;
    for (unsigned i = 0; i < outputs; ++i)
      buffers.push_back(b.create<memref::AllocOp>(loc, MemRefType::get(type.getShape(),
                                                                       type.getElementType()),
                                                  dynamicSizes()));
    for (Value buffer : buffers)
      args.push_back(b.create<memref::CastOp>(loc, anyLayout, buffer));
    args.push_back(b.create<arith::ConstantIntOp>(loc, causal, 32));
    args.push_back(b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(logitScale)));
    args.push_back(b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(outputFactor)));
    b.create<func::CallOp>(loc, declare(kernel, args), args);
    // Not writable: one-shot bufferization counts the kernel's reads at the
    // to_memref ops, which the canonicalizer may fold into the buffer of
    // an earlier kernel's result. Were that result writable, an op between
    // the two calls could write into it in place before the second call
    // reads it; read-only, such an op gets a buffer of its own.
    for (Value buffer : buffers)
      results.push_back(b.create<bufferization::ToTensorOp>(loc, type, buffer, /*restrict=*/true,
                                                            /*writable=*/false));
    op->replaceAllUsesWith(results);
    op->erase();
  }

private:
  /// The buffer of a tensor operand, in whatever layout bufferization
  /// gives it (a strided type, so no copy is forced).
  Value inputBuffer(Value tensor) {
    SmallVector<int64_t> strides(kRank, ShapedType::kDynamic);
    auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
    auto bufferType = MemRefType::get(type.getShape(), type.getElementType(), layout);
    return b.create<bufferization::ToMemrefOp>(loc, bufferType, tensor, /*read_only=*/true);
  }

  SmallVector<Value> dynamicSizes() {
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < kRank; ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(b.create<tensor::DimOp>(loc, query, d));
    return sizes;
  }

  func::FuncOp declare(StringRef kernel, ValueRange args) {
    return declareRuntimeFunction(op->getParentOfType<ModuleOp>(), kernel,
                                  FunctionType::get(b.getContext(), args.getTypes(), {}));
  }

  Operation *op;
  OpBuilder b;
  Location loc;
  Value query;
  RankedTensorType type;
  MemRefType anyLayout;
};

/// The kernels take float32 [batch, tokens, heads, head_dim] operands.
bool takesKernel(Value query) {
  auto type = dyn_cast<RankedTensorType>(query.getType());
  return type && type.getRank() == kRank && type.getElementType().isF32();
}

/// Replaces `op` (lip.attention or lip.attention_grad) by `kernel`'s call.
template <typename OpT>
void replaceByKernel(OpT op, StringRef kernel, ValueRange inputs, unsigned outputs) {
  KernelCall(op, op.getQuery())
      .replace(kernel, inputs, outputs, op.getCausal(), op.getLogitScale().convertToDouble(),
               op.getOutputFactor().convertToDouble());
}

struct AttentionToRuntime : lip::impl::AttentionToRuntimeBase<AttentionToRuntime> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<AttentionOp, AttentionGradOp>(op) && takesKernel(op->getOperand(0)))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto fwd = dyn_cast<AttentionOp>(op))
        replaceByKernel(fwd, "liprt_attention", {fwd.getQuery(), fwd.getKey(), fwd.getValue()}, 1);
      else if (auto grad = dyn_cast<AttentionGradOp>(op))
        replaceByKernel(grad, "liprt_attention_grad",
                        {grad.getQuery(), grad.getKey(), grad.getValue(), grad.getResultGrad()}, 3);
    }
  }
};
} // namespace
