//===- LipOps.cpp - Verifiers of the lip ops ------------------------------===//
//
// Shape rules of every op. A dynamic dimension (`?`) matches anything; every
// static dimension must agree. Messages name the operand and both sizes.
//
//===----------------------------------------------------------------------===//

#include "ShapeChecks.h"

#include "lip/Dialect/Lip/LipConstraints.h"
#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::lip;

#include "lip/Dialect/Lip/LipInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "lip/Dialect/Lip/LipOps.cpp.inc"

using namespace mlir::lip::detail;

LogicalResult ParamOp::verify() {
  RankedTensorType type = getType();
  if (getName().empty())
    return emitOpError("parameter name must not be empty");
  if (type.getRank() != 2)
    return emitOpError("parameter must be a matrix (rank 2), got rank ")
           << type.getRank();
  if (!type.hasStaticShape())
    return emitOpError("parameter shape must be static, got ") << type;
  ConstraintAttr constraint = getConstraint();
  if (!isMethodApplicable(constraint.getMethod(), constraint.getNorm()))
    return emitOpError("constraint method '")
           << stringifyConstraintMethod(constraint.getMethod())
           << "' cannot bound a norm of kind '"
           << stringifyNormKind(constraint.getNorm()) << "'";
  return success();
}

LogicalResult LinearOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType weight = tensorType(getWeight());
  if (weight.getRank() != 2)
    return emitOpError("weight must have rank 2 ([fan_out, fan_in]), got rank ")
           << weight.getRank();
  if (input.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  if (weight.getElementType() != input.getElementType())
    return emitOpError("weight element type ")
           << weight.getElementType() << " does not match input element type "
           << input.getElementType();
  int64_t fanIn = weight.getDimSize(1);
  int64_t width = input.getShape().back();
  if (!dimsCompatible(fanIn, width))
    return emitOpError("input width ")
           << dimString(width) << " does not match the weight's fan_in "
           << dimString(fanIn);
  SmallVector<int64_t> expected(input.getShape());
  expected.back() = weight.getDimSize(0);
  return verifyResultShape(*this, getType(), expected, input.getElementType());
}

LogicalResult EmbeddingOp::verify() {
  RankedTensorType table = tensorType(getTable());
  if (table.getRank() != 2)
    return emitOpError("table must have rank 2 ([vocab, width]), got rank ")
           << table.getRank();
  SmallVector<int64_t> expected(tensorType(getIds()).getShape());
  expected.push_back(table.getDimSize(1));
  return verifyResultShape(*this, getType(), expected, table.getElementType());
}

LogicalResult PositionsOp::verify() {
  RankedTensorType type = getType();
  if (type.getRank() < 1)
    return emitOpError("ids must have rank >= 1 (positions run along the last dimension)");
  int64_t length = type.getShape().back();
  if (ShapedType::isDynamic(length))
    return emitOpError("the sequence length (last dimension) must be static");
  unsigned width = type.getElementType().getIntOrFloatBitWidth();
  if (width < 64 && length > (int64_t{1} << (width - 1)))
    return emitOpError("positions up to ") << length - 1 << " do not fit in i" << width;
  return success();
}

LogicalResult MaxMinOp::verify() {
  RankedTensorType type = getType();
  if (type.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  int64_t width = type.getShape().back();
  if (ShapedType::isDynamic(width) || width % 2 != 0)
    return emitOpError("last dimension must be static and even to form pairs, got ")
           << dimString(width);
  return success();
}

LogicalResult ResidualOp::verify() {
  double alpha = getAlpha().convertToDouble();
  if (!(alpha >= 0.0 && alpha <= 1.0))
    return emitOpError("alpha must lie in [0, 1] for a convex residual, got ")
           << alpha;
  return success();
}

LogicalResult AttentionOp::verify() {
  RankedTensorType type = getType();
  if (type.getRank() != 4)
    return emitOpError("operands must be [batch, tokens, heads, head_dim] (rank 4), got rank ")
           << type.getRank();
  if (ShapedType::isDynamic(type.getDimSize(2)) ||
      ShapedType::isDynamic(type.getDimSize(3)))
    return emitOpError("heads and head_dim must be static, got ") << type;
  if (!std::isfinite(getLogitScale().convertToDouble()))
    return emitOpError("logit_scale must be finite");
  if (!std::isfinite(getOutputFactor().convertToDouble()))
    return emitOpError("output_factor must be finite");
  return success();
}

LogicalResult RopeOp::verify() {
  RankedTensorType type = getType();
  if (type.getRank() != 4)
    return emitOpError("input must be [batch, tokens, heads, head_dim] (rank 4), got rank ")
           << type.getRank();
  int64_t headDim = type.getDimSize(3);
  if (ShapedType::isDynamic(headDim) || headDim % 2 != 0)
    return emitOpError("head_dim must be static and even, got ") << dimString(headDim);
  // The angles are tabulated per position when the op is lowered.
  if (type.isDynamicDim(1))
    return emitOpError("the number of tokens must be static, got ") << type;
  if (!(getBase().convertToDouble() > 1.0))
    return emitOpError("base must be greater than 1, got ")
           << getBase().convertToDouble();
  return success();
}

LogicalResult SplitHeadsOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType result = getType();
  if (input.getRank() != 3)
    return emitOpError("input must be [batch, tokens, width] (rank 3), got rank ")
           << input.getRank();
  if (result.getRank() != 4)
    return emitOpError("result must be [batch, tokens, heads, head_dim] (rank 4), got rank ")
           << result.getRank();
  int64_t heads = result.getDimSize(2), headDim = result.getDimSize(3);
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(headDim))
    return emitOpError("heads and head_dim must be static");
  if (!dimsCompatible(input.getDimSize(2), heads * headDim))
    return emitOpError("width ")
           << dimString(input.getDimSize(2)) << " is not heads * head_dim = "
           << heads << " * " << headDim;
  return verifyResultShape(*this, result,
                           {input.getDimSize(0), input.getDimSize(1), heads, headDim},
                           input.getElementType());
}

LogicalResult MergeHeadsOp::verify() {
  RankedTensorType input = tensorType(getInput());
  if (input.getRank() != 4)
    return emitOpError("input must be [batch, tokens, heads, head_dim] (rank 4), got rank ")
           << input.getRank();
  int64_t heads = input.getDimSize(2), headDim = input.getDimSize(3);
  int64_t width = ShapedType::isDynamic(heads) || ShapedType::isDynamic(headDim)
                      ? ShapedType::kDynamic
                      : heads * headDim;
  return verifyResultShape(*this, getType(),
                           {input.getDimSize(0), input.getDimSize(1), width},
                           input.getElementType());
}

LogicalResult FlattenOp::verify() {
  RankedTensorType input = tensorType(getInput());
  if (input.getRank() < 2)
    return emitOpError("input must have a batch dimension and features (rank >= 2), got rank ")
           << input.getRank();
  int64_t width = 1;
  for (int64_t d : input.getShape().drop_front()) {
    if (ShapedType::isDynamic(d)) {
      width = ShapedType::kDynamic;
      break;
    }
    width *= d;
  }
  return verifyResultShape(*this, getType(), {input.getDimSize(0), width},
                           input.getElementType());
}

LogicalResult MeanPoolOp::verify() {
  RankedTensorType input = tensorType(getInput());
  if (input.getRank() != 3)
    return emitOpError("input must be [batch, tokens, width] (rank 3), got rank ")
           << input.getRank();
  return verifyResultShape(*this, getType(), {input.getDimSize(0), input.getDimSize(2)},
                           input.getElementType());
}

LogicalResult CrossEntropyOp::verify() {
  RankedTensorType logits = tensorType(getLogits());
  RankedTensorType targets = tensorType(getTargets());
  if (logits.getRank() < 1)
    return emitOpError("logits must have a class dimension");
  if (targets.getRank() != logits.getRank() - 1)
    return emitOpError("targets must have rank ")
           << logits.getRank() - 1 << " (the logits without classes), got rank "
           << targets.getRank();
  for (int64_t i = 0; i < targets.getRank(); ++i)
    if (!dimsCompatible(targets.getDimSize(i), logits.getDimSize(i)))
      return emitOpError("targets dimension ")
             << i << " (" << dimString(targets.getDimSize(i))
             << ") does not match logits dimension " << dimString(logits.getDimSize(i));
  if (ShapedType::isDynamic(logits.getShape().back()))
    return emitOpError("the number of classes must be static");
  if (getType().getElementType() != logits.getElementType())
    return emitOpError("result element type must match the logits");
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  RankedTensorType first = tensorType(getInputs().front());
  SmallVector<int64_t> expected(first.getShape());
  expected.back() = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    RankedTensorType type = tensorType(input);
    if (type.getRank() != first.getRank() || type.getRank() < 1)
      return emitOpError("inputs must have one rank of at least 1; input ")
             << i << " has rank " << type.getRank() << ", input 0 rank " << first.getRank();
    if (type.getElementType() != first.getElementType())
      return emitOpError("input ") << i << " has element type " << type.getElementType()
                                   << ", input 0 " << first.getElementType();
    int64_t width = type.getShape().back();
    if (ShapedType::isDynamic(width) || width < 1)
      return emitOpError("the width of input ") << i << " must be static and positive, got "
                                                << dimString(width);
    for (int64_t d = 0; d + 1 < type.getRank(); ++d)
      if (!dimsCompatible(type.getDimSize(d), first.getDimSize(d)))
        return emitOpError("input ") << i << " dimension " << d << " is "
                                     << dimString(type.getDimSize(d)) << ", input 0's "
                                     << dimString(first.getDimSize(d));
    expected.back() += width;
  }
  return verifyResultShape(*this, getType(), expected, first.getElementType());
}
