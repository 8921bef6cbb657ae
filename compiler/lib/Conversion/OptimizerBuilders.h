//===- OptimizerBuilders.h - Linalg builders of the lipopt lowering -------===//
//
// The pieces the lipopt lowering patterns (LowerOptimizer.cpp,
// LowerProjections.cpp) build their linalg from: scalar arithmetic on 0-d
// tensors, elementwise and reduction generics, products, power iteration
// (OptimizerBuilders.cpp), and the odd polynomial iterations of
// Newton-Schulz and the spectral caps (PolynomialIterations.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_LIB_CONVERSION_OPTIMIZERBUILDERS_H
#define LIPC_LIB_CONVERSION_OPTIMIZERBUILDERS_H

#include "LipToLinalgPatterns.h"

#include <array>

namespace mlir::lip::lowering {

/// The value of a 0-d tensor.
Value scalarOf(OpBuilder &b, Location loc, Value tensor);

/// A 0-d tensor holding `v`.
Value scalarTensor(OpBuilder &b, Location loc, Value v);

/// `v` converted to float type `t`.
Value castTo(OpBuilder &b, Location loc, Value v, Type t);

/// Scalar arithmetic with less noise.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type t;
  Value c(double v) { return constantLike(b, loc, t, v); }
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }
  Value div(Value x, Value y) { return b.create<arith::DivFOp>(loc, x, y); }
  Value max(Value x, Value y) { return b.create<arith::MaximumFOp>(loc, x, y); }
  Value min(Value x, Value y) { return b.create<arith::MinimumFOp>(loc, x, y); }
  Value lt(Value x, Value y) { return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x, y); }
  Value select(Value cond, Value x, Value y) { return b.create<arith::SelectOp>(loc, cond, x, y); }
};

/// A generic over equal-shape matrices with several results.
SmallVector<Value> elementwiseMulti(OpBuilder &b, Location loc, ValueRange inputs, unsigned results,
                                    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body);

/// The transpose of a static matrix.
Value transpose(OpBuilder &b, Location loc, Value m);

/// x y, or x y^T when `transposeB`, of static matrices.
Value matmul(OpBuilder &b, Location loc, Value x, Value y, bool transposeB);

/// A matrix's Frobenius norm, as a scalar.
Value frobenius(OpBuilder &b, Location loc, Value m);

/// x / factor (`divide`) or x * factor, elementwise.
Value scaled(OpBuilder &b, Location loc, Value x, Value factor, bool divide);

/// Warm-started power iteration on X^T X: {v', sigma = |X v'|, u = X v' / sigma}.
struct PowerResult {
  Value v, sigma, u;
};
PowerResult powerIteration(OpBuilder &b, Location loc, Value x, Value v, int64_t steps);

/// X + c u v^T.
Value rankOneUpdate(OpBuilder &b, Location loc, Value x, Value u, Value v, Value c);

/// sqrt(fan_out / fan_in) * w_max, the normalization of a projection.
Value normScale(OpBuilder &b, Location loc, RankedTensorType type, double wMax);

/// msign(M) by the Newton-Schulz `steps`.
Value newtonSchulz(OpBuilder &b, Location loc, Value m, ArrayRef<std::array<double, 3>> steps, double eps);

/// The spectral soft cap of `w` at `w_max` with coupling `alphaTensor`.
Value softCap(OpBuilder &b, Location loc, Value w, Value alphaTensor, double wMax);

/// The spectral hard cap of `w` at `w_max`.
Value hardCap(OpBuilder &b, Location loc, Value w, double wMax);

} // namespace mlir::lip::lowering

#endif // LIPC_LIB_CONVERSION_OPTIMIZERBUILDERS_H
