//===- LipVJP.cpp - Vector-Jacobian products of the lip ops ---------------===//
//
// DifferentiableOpInterface for every forward op: given dL/dy, build dL/dx
// for each operand. Linear maps use their transpose (scale, residual,
// reshapes, rope); the rest use the backward ops of LipGradOps.td, which
// recompute from the forward operands. tests/unit/GradientCheckTest.cpp
// checks each against finite differences of the reference kernels.
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::lip;

namespace {
Value scaled(OpBuilder &b, Location loc, Value grad, double factor) {
  return b.create<ScaleOp>(loc, grad.getType(), grad, b.getF64FloatAttr(factor));
}
} // namespace

SmallVector<Value> LinearOp::buildVJP(OpBuilder &b, Value dy) {
  Value dx = b.create<LinearGradInputOp>(getLoc(), getInput().getType(), dy, getWeight());
  Value dw = b.create<LinearGradWeightOp>(getLoc(), getWeight().getType(), dy, getInput());
  return {dx, dw};
}

SmallVector<Value> EmbeddingOp::buildVJP(OpBuilder &b, Value dy) {
  return {Value(), b.create<EmbeddingGradOp>(getLoc(), getTable().getType(), getIds(), dy)};
}

// Integer positions carry no gradient.
SmallVector<Value> PositionsOp::buildVJP(OpBuilder &, Value) { return {Value()}; }

SmallVector<Value> ReluOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<ReluGradOp>(getLoc(), getType(), getInput(), dy)};
}

SmallVector<Value> AbsOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<AbsGradOp>(getLoc(), getType(), getInput(), dy)};
}

SmallVector<Value> MaxMinOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<MaxMinGradOp>(getLoc(), getType(), getInput(), dy)};
}

SmallVector<Value> GeluOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<GeluGradOp>(getLoc(), getType(), getInput(), dy, getTanhAttr(),
                               getScaleAttr())};
}

SmallVector<Value> AddOp::buildVJP(OpBuilder &, Value dy) { return {dy, dy}; }

SmallVector<Value> ScaleOp::buildVJP(OpBuilder &b, Value dy) {
  return {scaled(b, getLoc(), dy, getFactor().convertToDouble())};
}

SmallVector<Value> ResidualOp::buildVJP(OpBuilder &b, Value dy) {
  double alpha = getAlpha().convertToDouble();
  return {scaled(b, getLoc(), dy, 1.0 - alpha), scaled(b, getLoc(), dy, alpha)};
}

SmallVector<Value> AttentionOp::buildVJP(OpBuilder &b, Value dy) {
  Type t = getType();
  auto grad = b.create<AttentionGradOp>(getLoc(), t, t, t, getQuery(), getKey(), getValue(), dy,
                                        getCausalAttr(), getLogitScaleAttr(),
                                        getOutputFactorAttr());
  return {grad.getQueryGrad(), grad.getKeyGrad(), grad.getValueGrad()};
}

SmallVector<Value> RopeOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<RopeGradOp>(getLoc(), getType(), dy, getBaseAttr())};
}

SmallVector<Value> SplitHeadsOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<MergeHeadsOp>(getLoc(), getInput().getType(), dy)};
}

SmallVector<Value> MergeHeadsOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<SplitHeadsOp>(getLoc(), getInput().getType(), dy)};
}

SmallVector<Value> ConcatOp::buildVJP(OpBuilder &b, Value dy) {
  SmallVector<Value> parts;
  int64_t offset = 0;
  for (Value input : getInputs()) {
    parts.push_back(b.create<ConcatGradOp>(getLoc(), input.getType(), dy, b.getI64IntegerAttr(offset)));
    offset += cast<RankedTensorType>(input.getType()).getShape().back();
  }
  return parts;
}

SmallVector<Value> FlattenOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<UnflattenOp>(getLoc(), getInput().getType(), dy)};
}

SmallVector<Value> MeanPoolOp::buildVJP(OpBuilder &b, Value dy) {
  return {b.create<MeanPoolGradOp>(getLoc(), getInput().getType(), dy)};
}

SmallVector<Value> CrossEntropyOp::buildVJP(OpBuilder &b, Value dLoss) {
  return {b.create<CrossEntropyGradOp>(getLoc(), getLogits().getType(), getLogits(),
                                       getTargets(), dLoss),
          Value()};
}
