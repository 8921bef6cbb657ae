//===- LipToLinalgPatterns.h - Shared pieces of lip lowering (internal) ---===//
//
// Helpers shared by the lowering patterns of convert-lip-to-linalg, and the
// entry points of the pattern files (LipToLinalg.cpp: linear, elementwise,
// reshapes; LowerSequence.cpp: embedding, maxmin, rope, attention, pooling,
// the loss).
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_LIB_CONVERSION_LIPTOLINALGPATTERNS_H
#define LIPC_LIB_CONVERSION_LIPTOLINALGPATTERNS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::lip::lowering {

/// The sizes of `value`'s dimensions, as index values or constants.
inline SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(type.isDynamicDim(i) ? OpFoldResult(b.createOrFold<tensor::DimOp>(loc, value, i))
                                         : OpFoldResult(b.getIndexAttr(type.getDimSize(i))));
  return sizes;
}

inline Value emptyOf(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<OpFoldResult> sizes) {
  return b.create<tensor::EmptyOp>(loc, sizes, type.getElementType());
}

inline Value constantLike(OpBuilder &b, Location loc, Type elementType, double value) {
  return b.create<arith::ConstantOp>(loc, b.getFloatAttr(elementType, value));
}

using Body = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// An elementwise linalg.generic over operands of one shape.
inline Value elementwise(OpBuilder &b, Location loc, ValueRange inputs, Body body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  Value init = emptyOf(b, loc, type, sizesOf(b, loc, inputs[0]));
  SmallVector<AffineMap> maps(inputs.size() + 1, b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, type, inputs, init, maps, iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        nb.create<linalg::YieldOp>(l, body(nb, l, args.drop_back()));
      });
  return generic.getResult(0);
}


/// Lowerings of embedding, maxmin, rope, attention, mean_pool, cross_entropy.
void populateLowerSequencePatterns(RewritePatternSet &patterns);

} // namespace mlir::lip::lowering

#endif // LIPC_LIB_CONVERSION_LIPTOLINALGPATTERNS_H
