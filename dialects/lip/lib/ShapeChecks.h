//===- ShapeChecks.h - Shape helpers for lip verifiers (internal) ---------===//
//
// Shared by the verifiers of the forward ops (LipOps.cpp) and the backward
// ops (LipGradOps.cpp). A dynamic dimension matches anything.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_LIB_SHAPECHECKS_H
#define LIP_LIB_SHAPECHECKS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::lip::detail {
inline bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

inline std::string dimString(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

inline RankedTensorType tensorType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// Checks that `actual` has `expected`'s shape and element type.
inline LogicalResult verifyResultShape(Operation *op, RankedTensorType actual,
                                ArrayRef<int64_t> expected, Type elementType) {
  if (actual.getElementType() != elementType)
    return op->emitOpError("result element type ")
           << actual.getElementType() << " does not match input element type "
           << elementType;
  if (actual.getRank() != static_cast<int64_t>(expected.size()))
    return op->emitOpError("result must have rank ")
           << expected.size() << ", got " << actual.getRank();
  for (auto [i, want] : llvm::enumerate(expected))
    if (!dimsCompatible(actual.getDimSize(i), want))
      return op->emitOpError("result dimension ")
             << i << " must be " << dimString(want) << ", got "
             << dimString(actual.getDimSize(i));
  return success();
}
} // namespace mlir::lip::detail

#endif // LIP_LIB_SHAPECHECKS_H
