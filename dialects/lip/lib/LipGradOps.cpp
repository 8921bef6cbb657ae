//===- LipGradOps.cpp - Verifiers of the backward ops ---------------------===//
//
// The ops' definitions are generated in LipOps.cpp (LipGradOps.td is part of
// LipOps.td); their shape rules are here.
//
//===----------------------------------------------------------------------===//

#include "ShapeChecks.h"

#include "lip/Dialect/Lip/LipDialect.h"

using namespace mlir;
using namespace mlir::lip;
using namespace mlir::lip::detail;

LogicalResult LinearGradInputOp::verify() {
  RankedTensorType dy = tensorType(getResultGrad()), w = tensorType(getWeight());
  if (w.getRank() != 2 || dy.getRank() < 1)
    return emitOpError("needs a rank-2 weight and a result gradient of rank >= 1");
  if (!dimsCompatible(dy.getShape().back(), w.getDimSize(0)))
    return emitOpError("result gradient width ")
           << dimString(dy.getShape().back()) << " does not match the weight's fan_out "
           << dimString(w.getDimSize(0));
  SmallVector<int64_t> expected(dy.getShape());
  expected.back() = w.getDimSize(1);
  return verifyResultShape(*this, getType(), expected, dy.getElementType());
}

LogicalResult LinearGradWeightOp::verify() {
  RankedTensorType dy = tensorType(getResultGrad()), x = tensorType(getInput());
  if (dy.getRank() != x.getRank() || dy.getRank() < 1)
    return emitOpError("result gradient and input must have the same rank >= 1");
  for (int64_t i = 0; i + 1 < dy.getRank(); ++i)
    if (!dimsCompatible(dy.getDimSize(i), x.getDimSize(i)))
      return emitOpError("result gradient and input differ in dimension ") << i;
  return verifyResultShape(*this, getType(), {dy.getShape().back(), x.getShape().back()},
                           x.getElementType());
}

LogicalResult EmbeddingGradOp::verify() {
  RankedTensorType ids = tensorType(getIds()), dy = tensorType(getResultGrad());
  if (dy.getRank() != ids.getRank() + 1)
    return emitOpError("result gradient must have the ids' rank plus one");
  if (getType().getRank() != 2 || getType().isDynamicDim(0))
    return emitOpError("result must be the table's static shape [vocab, width]");
  return verifyResultShape(*this, getType(), {getType().getDimSize(0), dy.getShape().back()},
                           dy.getElementType());
}

LogicalResult UnflattenOp::verify() {
  RankedTensorType in = tensorType(getInput()), out = getType();
  if (in.getRank() != 2 || out.getRank() < 2)
    return emitOpError("maps [batch, n] to [batch, d1, ..., dk]");
  int64_t product = 1;
  for (int64_t d : out.getShape().drop_front())
    product = ShapedType::isDynamic(d) || ShapedType::isDynamic(product)
                  ? ShapedType::kDynamic
                  : product * d;
  if (!dimsCompatible(in.getDimSize(1), product) || !dimsCompatible(in.getDimSize(0), out.getDimSize(0)))
    return emitOpError("result ") << out << " does not hold the " << dimString(in.getDimSize(1))
                                  << " features of each batch element";
  return success();
}

LogicalResult MeanPoolGradOp::verify() {
  RankedTensorType dy = tensorType(getResultGrad()), out = getType();
  if (dy.getRank() != 2 || out.getRank() != 3 || out.isDynamicDim(1))
    return emitOpError("maps [batch, d] to [batch, tokens, d] with static tokens");
  return verifyResultShape(*this, out, {dy.getDimSize(0), out.getDimSize(1), dy.getDimSize(1)},
                           dy.getElementType());
}

LogicalResult ConcatGradOp::verify() {
  RankedTensorType dy = tensorType(getResultGrad()), out = getType();
  if (dy.getRank() < 1 || dy.getRank() != out.getRank())
    return emitOpError("maps a gradient to a part of its features, of the same rank");
  int64_t width = dy.getShape().back(), part = out.getShape().back();
  if (ShapedType::isDynamic(width) || ShapedType::isDynamic(part))
    return emitOpError("widths must be static");
  int64_t offset = getOffset();
  if (offset < 0 || part > width - offset)
    return emitOpError("features [") << offset << ", " << offset + part
                                     << ") do not lie in the gradient's width " << width;
  SmallVector<int64_t> expected(dy.getShape());
  expected.back() = part;
  return verifyResultShape(*this, out, expected, dy.getElementType());
}
