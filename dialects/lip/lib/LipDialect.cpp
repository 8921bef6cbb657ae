//===- LipDialect.cpp - The lip dialect and its attributes ----------------===//

#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::lip;

#include "lip/Dialect/Lip/LipEnums.cpp.inc"
#include "lip/Dialect/Lip/LipOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "lip/Dialect/Lip/LipAttrs.cpp.inc"

void LipDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "lip/Dialect/Lip/LipOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "lip/Dialect/Lip/LipAttrs.cpp.inc"
      >();
}

FailureOr<llvm::APFloat> mlir::lip::parseBoundDouble(AsmParser &parser) {
  if (succeeded(parser.parseOptionalKeyword("inf")))
    return llvm::APFloat(kUnbounded);
  double value;
  if (parser.parseFloat(value))
    return failure();
  return llvm::APFloat(value);
}

void mlir::lip::printBoundDouble(AsmPrinter &printer, const llvm::APFloat &value) {
  if (value.isInfinity() && !value.isNegative()) {
    printer << "inf";
    return;
  }
  printer.printFloat(value);
}

LogicalResult ConstraintAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                     ConstraintMethod method,
                                     llvm::APFloat wMaxValue, NormKind norm) {
  double wMax = wMaxValue.convertToDouble();
  if (!(wMax > 0) || !std::isfinite(wMax))
    return emitError() << "w_max must be a positive finite number, got " << wMax;
  return success();
}
