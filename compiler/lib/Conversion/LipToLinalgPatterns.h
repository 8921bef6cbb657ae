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
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>
#include <utility>

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

/// memref<?x..x?xT, strided<[?, .., ?], offset: ?>>: every buffer of that
/// rank and element type casts to it, so one declaration of a runtime
/// function serves all shapes and layouts.
inline MemRefType anyLayoutMemRefType(Type elementType, int64_t rank) {
  SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
  auto layout = StridedLayoutAttr::get(elementType.getContext(), ShapedType::kDynamic, dynamic);
  return MemRefType::get(dynamic, elementType, layout);
}

/// The private declaration of runtime function `name` in `module` (added
/// once), called through its C interface `_mlir_ciface_<name>`, which takes
/// memrefs as pointers to their descriptors.
inline func::FuncOp declareRuntimeFunction(ModuleOp module, StringRef name, FunctionType type) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto decl = b.create<func::FuncOp>(module.getLoc(), name, type);
  decl.setPrivate();
  decl->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(module.getContext()));
  return decl;
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


inline Value index(OpBuilder &b, Location loc, int64_t dim) { return b.create<linalg::IndexOp>(loc, dim); }

inline Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

/// An index as a float of type `t`.
inline Value toFloat(OpBuilder &b, Location loc, Value i, Type t) {
  Value asInt = b.create<arith::IndexCastOp>(loc, b.getI64Type(), i);
  return b.create<arith::SIToFPOp>(loc, t, asInt);
}

/// A tensor of `type` (dynamic sizes from `sizes`) filled with `value`.
inline Value filled(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<OpFoldResult> sizes,
             double value) {
  Value init = emptyOf(b, loc, type, sizes);
  return b.create<linalg::FillOp>(loc, constantLike(b, loc, type.getElementType(), value), init)
      .getResult(0);
}

/// A reduction/contraction generic; `body` gets the inputs and the accumulator.
inline Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init, ArrayRef<AffineMap> maps,
              ArrayRef<utils::IteratorType> iterators, Body body) {
  return b
      .create<linalg::GenericOp>(loc, init.getType(), inputs, init, maps, iterators,
                                 [&](OpBuilder &nb, Location l, ValueRange args) {
                                   nb.create<linalg::YieldOp>(l, body(nb, l, args));
                                 })
      .getResult(0);
}

inline AffineMap map(OpBuilder &b, unsigned dims, ArrayRef<unsigned> results) {
  SmallVector<AffineExpr> exprs;
  for (unsigned r : results)
    exprs.push_back(b.getAffineDimExpr(r));
  return AffineMap::get(dims, 0, exprs, b.getContext());
}

/// The size of dimension `dim` of `value` as a float of type `t`.
inline Value sizeAsFloat(OpBuilder &b, Location loc, Value value, int64_t dim, Type t) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return constantLike(b, loc, t, static_cast<double>(type.getDimSize(dim)));
  return toFloat(b, loc, b.create<tensor::DimOp>(loc, value, dim), t);
}

/// For logits [rows, classes]: {max over classes, sum of exp(z - max)}.
inline std::pair<Value, Value> softmaxStatistics(OpBuilder &b, Location loc, Value z) {
  auto zType = cast<RankedTensorType>(z.getType());
  SmallVector<OpFoldResult> n = {sizesOf(b, loc, z)[0]};
  auto rowType = RankedTensorType::get({zType.getDimSize(0)}, zType.getElementType());
  auto par = utils::IteratorType::parallel, red = utils::IteratorType::reduction;
  Value rowMax = generic(b, loc, z, filled(b, loc, rowType, n, -std::numeric_limits<double>::infinity()),
                         {b.getMultiDimIdentityMap(2), map(b, 2, {0})}, {par, red},
                         [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                           return nb.create<arith::MaximumFOp>(l, a[0], a[1]);
                         });
  Value sumExp = generic(b, loc, ValueRange{z, rowMax}, filled(b, loc, rowType, n, 0.0),
                         {b.getMultiDimIdentityMap(2), map(b, 2, {0}), map(b, 2, {0})}, {par, red},
                         [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                           Value e = nb.create<math::ExpOp>(l, nb.create<arith::SubFOp>(l, a[0], a[1]));
                           return nb.create<arith::AddFOp>(l, a[2], e);
                         });
  return {rowMax, sumExp};
}

/// The half-split rotation of rope on [b, t, h, d]; `transpose` rotates by
/// the opposite angles (rope's gradient).
Value rotate(OpBuilder &b, Location loc, Value x, double base, bool transpose);

/// x [b, t, h, d] as [b, h, t, d], or back (the permutation is its own
/// inverse): attention's products run per (batch, head).
Value swapTokensAndHeads(OpBuilder &b, Location loc, Value x);

/// scale * op(x) op(y) for every (batch, head): x and y are [b, h, ., .],
/// op transposes the last two dimensions where asked. A batched matmul on
/// the (b h) rows, so the GEMM backend computes it.
Value headsProduct(OpBuilder &b, Location loc, Value x, bool transposeX, Value y, bool transposeY,
                   double scale);

/// The attention weights P[b, h, t, u] = softmax_u(logitScale q.k / d),
/// causally masked, of q and k in [b, t, h, d].
Value attentionWeights(OpBuilder &b, Location loc, Value q, Value k, bool causal, double logitScale);

/// Lowerings of embedding, maxmin, rope, attention, mean_pool, cross_entropy.
void populateLowerSequencePatterns(RewritePatternSet &patterns);
/// Lowerings of the lipopt schedules, couplings and updates (LowerOptimizer.cpp).
void populateLowerOptimizerPatterns(RewritePatternSet &patterns);
/// Lowerings of the lipopt projections (LowerProjections.cpp).
void populateLowerProjectionPatterns(RewritePatternSet &patterns);
/// Lowerings of the backward ops (LowerBackward.cpp).
void populateLowerBackwardPatterns(RewritePatternSet &patterns);

} // namespace mlir::lip::lowering

#endif // LIPC_LIB_CONVERSION_LIPTOLINALGPATTERNS_H
