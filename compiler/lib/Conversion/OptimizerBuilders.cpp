//===- OptimizerBuilders.cpp - Linalg builders of the lipopt lowering -----===//
//
// OptimizerBuilders.h's scalar helpers, generics, products and power
// iteration.
//
//===----------------------------------------------------------------------===//

#include "OptimizerBuilders.h"

using namespace mlir;
using namespace mlir::lip::lowering;
using utils::IteratorType;

Value mlir::lip::lowering::scalarOf(OpBuilder &b, Location loc, Value tensor) {
  return b.create<tensor::ExtractOp>(loc, tensor, ValueRange{});
}

Value mlir::lip::lowering::scalarTensor(OpBuilder &b, Location loc, Value v) {
  return b.create<tensor::FromElementsOp>(loc, RankedTensorType::get({}, v.getType()), v);
}

Value mlir::lip::lowering::castTo(OpBuilder &b, Location loc, Value v, Type t) {
  if (v.getType() == t)
    return v;
  if (t.getIntOrFloatBitWidth() > v.getType().getIntOrFloatBitWidth())
    return b.create<arith::ExtFOp>(loc, t, v);
  return b.create<arith::TruncFOp>(loc, t, v);
}

SmallVector<Value> mlir::lip::lowering::elementwiseMulti(OpBuilder &b, Location loc, ValueRange inputs, unsigned results,
                                    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  SmallVector<Value> inits;
  for (unsigned i = 0; i < results; ++i)
    inits.push_back(emptyOf(b, loc, type, sizesOf(b, loc, inputs[0])));
  SmallVector<AffineMap> maps(inputs.size() + results, b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<IteratorType> iterators(type.getRank(), IteratorType::parallel);
  SmallVector<Type> types(results, type);
  auto generic = b.create<linalg::GenericOp>(
      loc, types, inputs, inits, maps, iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        nb.create<linalg::YieldOp>(l, body(nb, l, args.take_front(inputs.size())));
      });
  return generic.getResults();
}

Value mlir::lip::lowering::transpose(OpBuilder &b, Location loc, Value m) {
  auto type = cast<RankedTensorType>(m.getType());
  auto t = RankedTensorType::get({type.getDimSize(1), type.getDimSize(0)}, type.getElementType());
  Value init = emptyOf(b, loc, t, {b.getIndexAttr(t.getDimSize(0)), b.getIndexAttr(t.getDimSize(1))});
  return b.create<linalg::TransposeOp>(loc, m, init, ArrayRef<int64_t>{1, 0}).getResult()[0];
}

Value mlir::lip::lowering::matmul(OpBuilder &b, Location loc, Value x, Value y, bool transposeB) {
  auto xt = cast<RankedTensorType>(x.getType()), yt = cast<RankedTensorType>(y.getType());
  int64_t cols = transposeB ? yt.getDimSize(0) : yt.getDimSize(1);
  auto type = RankedTensorType::get({xt.getDimSize(0), cols}, xt.getElementType());
  Value zero = filled(b, loc, type, {b.getIndexAttr(xt.getDimSize(0)), b.getIndexAttr(cols)}, 0.0);
  if (transposeB)
    return b.create<linalg::MatmulTransposeBOp>(loc, type, ValueRange{x, y}, ValueRange{zero}).getResult(0);
  return b.create<linalg::MatmulOp>(loc, type, ValueRange{x, y}, ValueRange{zero}).getResult(0);
}

Value mlir::lip::lowering::frobenius(OpBuilder &b, Location loc, Value m) {
  auto type = cast<RankedTensorType>(m.getType());
  auto scalarType = RankedTensorType::get({}, type.getElementType());
  Value sum = generic(b, loc, m, filled(b, loc, scalarType, {}, 0.0),
                      {b.getMultiDimIdentityMap(2), AffineMap::get(2, 0, {}, b.getContext())},
                      {IteratorType::reduction, IteratorType::reduction},
                      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                        return nb.create<arith::AddFOp>(l, a[1], nb.create<arith::MulFOp>(l, a[0], a[0]));
                      });
  return b.create<math::SqrtOp>(loc, scalarOf(b, loc, sum));
}

namespace {
/// A vector's l2 norm.
Value vectorNorm(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  auto scalarType = RankedTensorType::get({}, type.getElementType());
  Value sum = generic(b, loc, v, filled(b, loc, scalarType, {}, 0.0),
                      {b.getMultiDimIdentityMap(1), AffineMap::get(1, 0, {}, b.getContext())},
                      {IteratorType::reduction}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                        return nb.create<arith::AddFOp>(l, a[1], nb.create<arith::MulFOp>(l, a[0], a[0]));
                      });
  return b.create<math::SqrtOp>(loc, scalarOf(b, loc, sum));
}

/// `v` divided by `norm`, or `fallback` when the norm is 0 or too small to
/// divide by (below the element type's smallest normal number: a constant
/// such as 1e-300 would round to 0 in float32 and let 0/0 through).
Value normalized(OpBuilder &b, Location loc, Value v, Value norm, Value fallback) {
  auto t = cast<FloatType>(norm.getType());
  Scalar s{b, loc, t};
  Value tiny = b.create<arith::ConstantOp>(
      loc, b.getFloatAttr(t, llvm::APFloat::getSmallestNormalized(t.getFloatSemantics())));
  Value zero = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::ULT, norm, tiny);
  Value safe = s.select(zero, s.c(1.0), norm);
  return elementwise(b, loc, ValueRange{v, fallback}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    Scalar n{nb, l, t};
    return n.select(zero, a[1], n.div(a[0], safe));
  });
}

/// X v for X [m, n] and v [n] (or X^T v when `transposed`, v [m]).
Value matvec(OpBuilder &b, Location loc, Value x, Value v, bool transposed) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t size = transposed ? xt.getDimSize(1) : xt.getDimSize(0);
  auto type = RankedTensorType::get({size}, xt.getElementType());
  Value zero = filled(b, loc, type, {b.getIndexAttr(size)}, 0.0);
  if (transposed)
    return b.create<linalg::VecmatOp>(loc, type, ValueRange{v, x}, ValueRange{zero}).getResult(0);
  return b.create<linalg::MatvecOp>(loc, type, ValueRange{x, v}, ValueRange{zero}).getResult(0);
}

} // namespace

PowerResult mlir::lip::lowering::powerIteration(OpBuilder &b, Location loc, Value x, Value v, int64_t steps) {
  auto vt = cast<RankedTensorType>(v.getType());
  Type t = vt.getElementType();
  Value uniform = elementwise(b, loc, v, [&](OpBuilder &nb, Location l, ValueRange) -> Value {
    return constantLike(nb, l, t, 1.0 / std::sqrt(static_cast<double>(vt.getDimSize(0))));
  });
  v = normalized(b, loc, v, vectorNorm(b, loc, v), uniform);
  for (int64_t i = 0; i < steps; ++i) {
    Value next = matvec(b, loc, x, matvec(b, loc, x, v, false), true);
    v = normalized(b, loc, next, vectorNorm(b, loc, next), v);
  }
  Value xv = matvec(b, loc, x, v, false);
  Value sigma = vectorNorm(b, loc, xv);
  Value u = normalized(b, loc, xv, sigma, xv);
  return {v, sigma, u};
}

Value mlir::lip::lowering::rankOneUpdate(OpBuilder &b, Location loc, Value x, Value u, Value v, Value c) {
  auto type = cast<RankedTensorType>(x.getType());
  return generic(b, loc, ValueRange{x, u, v}, emptyOf(b, loc, type, sizesOf(b, loc, x)),
                 {b.getMultiDimIdentityMap(2), map(b, 2, {0}), map(b, 2, {1}), b.getMultiDimIdentityMap(2)},
                 {IteratorType::parallel, IteratorType::parallel},
                 [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                   Scalar n{nb, l, a[0].getType()};
                   return n.add(a[0], n.mul(c, n.mul(a[1], a[2])));
                 });
}

Value mlir::lip::lowering::scaled(OpBuilder &b, Location loc, Value x, Value factor, bool divide) {
  return elementwise(b, loc, x, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
    Scalar n{nb, l, v[0].getType()};
    return divide ? n.div(v[0], factor) : n.mul(v[0], factor);
  });
}

