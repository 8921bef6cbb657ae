//===- AttentionBuffers.h - Attention replaced by code on buffers (internal) ===//
//
// The frame shared by -lip-attention-to-runtime and -lip-attention-to-loops:
// a lip.attention or lip.attention_grad on [batch, tokens, heads, head_dim]
// tensors is replaced by code that reads its operands' buffers and writes
// fresh buffers, which leave as the op's results.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_LIB_CONVERSION_ATTENTIONBUFFERS_H
#define LIPC_LIB_CONVERSION_ATTENTIONBUFFERS_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::lip::lowering {

/// Builds before `op`; `query` gives the shape of every operand and result.
class AttentionBuffers {
public:
  static constexpr int64_t kRank = 4; // [batch, tokens, heads, head_dim]

  AttentionBuffers(Operation *op, Value query)
      : op(op), b(op), loc(op->getLoc()), query(query),
        type(cast<RankedTensorType>(query.getType())) {}

  OpBuilder &builder() { return b; }
  Location location() const { return loc; }
  RankedTensorType tensorType() const { return type; }

  /// The buffer of a tensor operand, read-only, in whatever layout
  /// bufferization gives it (a strided type, so no copy is forced).
  Value input(Value tensor) {
    SmallVector<int64_t> strides(kRank, ShapedType::kDynamic);
    auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
    auto bufferType = MemRefType::get(type.getShape(), type.getElementType(), layout);
    return b.create<bufferization::ToMemrefOp>(loc, bufferType, tensor, /*read_only=*/true);
  }

  /// A fresh buffer of the query's dimensions `dims` (all four: a result).
  Value allocate(ArrayRef<int64_t> dims = {0, 1, 2, 3}) {
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamicSizes;
    for (int64_t d : dims) {
      shape.push_back(type.getDimSize(d));
      if (type.isDynamicDim(d))
        dynamicSizes.push_back(b.create<tensor::DimOp>(loc, query, d));
    }
    return b.create<memref::AllocOp>(loc, MemRefType::get(shape, type.getElementType()), dynamicSizes);
  }

  /// Replaces the op's results by `buffers` (from allocate(), written by
  /// then) and erases the op.
  void replace(ValueRange buffers) {
    // Not writable: one-shot bufferization counts a reader's reads at its
    // to_memref ops, which the canonicalizer may fold into the buffer of an
    // earlier result. Were that result writable, an op between the two
    // could write into it in place before the second reads it; read-only,
    // such an op gets a buffer of its own.
    SmallVector<Value> results;
    for (Value buffer : buffers)
      results.push_back(b.create<bufferization::ToTensorOp>(loc, type, buffer, /*restrict=*/true,
                                                            /*writable=*/false));
    op->replaceAllUsesWith(results);
    op->erase();
  }

private:
  Operation *op;
  OpBuilder b;
  Location loc;
  Value query;
  RankedTensorType type;
};

} // namespace mlir::lip::lowering

#endif // LIPC_LIB_CONVERSION_ATTENTIONBUFFERS_H
