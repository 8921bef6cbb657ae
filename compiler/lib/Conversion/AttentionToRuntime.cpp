//===- AttentionToRuntime.cpp - Attention as the runtime's fused kernels --===//
//
// -lip-attention-to-runtime: float32 lip.attention and lip.attention_grad
// become calls of liprt_attention / liprt_attention_grad on buffers
// (runtime/include/liprt/Attention.h), so the CPU step never materializes a
// score tensor per head and skips the masked half of causal attention.
//
//===----------------------------------------------------------------------===//

#include "AttentionBuffers.h"
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
/// Builds the call of one kernel in place of `op`: operands in, as
/// read-only buffers; `outputs` fresh buffers shaped like the query that
/// leave as the op's results; then the causal flag and the two scales.
class KernelCall {
public:
  KernelCall(Operation *op, Value query)
      : buffers(op, query), op(op),
        anyLayout(anyLayoutMemRefType(buffers.tensorType().getElementType(),
                                      AttentionBuffers::kRank)) {}

  void replace(StringRef kernel, ValueRange inputs, unsigned outputs, bool causal,
               double logitScale, double outputFactor) {
    OpBuilder &b = buffers.builder();
    Location loc = buffers.location();
    SmallVector<Value> args, results;
    for (Value input : inputs)
      args.push_back(b.create<memref::CastOp>(loc, anyLayout, buffers.input(input)));
    for (unsigned i = 0; i < outputs; ++i)
      results.push_back(buffers.allocate());
    for (Value result : results)
      args.push_back(b.create<memref::CastOp>(loc, anyLayout, result));
    args.push_back(b.create<arith::ConstantIntOp>(loc, causal, 32));
    args.push_back(b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(logitScale)));
    args.push_back(b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(outputFactor)));
    b.create<func::CallOp>(loc, declareRuntimeFunction(op->getParentOfType<ModuleOp>(), kernel,
                                                       FunctionType::get(b.getContext(),
                                                                         ValueRange(args).getTypes(), {})),
                           args);
    buffers.replace(results);
  }

private:
  AttentionBuffers buffers;
  Operation *op;
  MemRefType anyLayout;
};

/// The kernels take float32 [batch, tokens, heads, head_dim] operands.
bool takesKernel(Value query) {
  auto type = dyn_cast<RankedTensorType>(query.getType());
  return type && type.getRank() == AttentionBuffers::kRank && type.getElementType().isF32();
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
