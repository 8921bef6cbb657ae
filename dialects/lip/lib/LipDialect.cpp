//===- LipDialect.cpp - The lip dialect and its attributes ----------------===//

#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
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

//===----------------------------------------------------------------------===//
// The discardable attributes (LipAttrNames.h)
//===----------------------------------------------------------------------===//

namespace {
bool isPositiveFinite(Attribute value) {
  auto f = dyn_cast<FloatAttr>(value);
  return f && f.getValueAsDouble() > 0 && std::isfinite(f.getValueAsDouble());
}

bool isNonEmptyString(Attribute value) {
  auto s = dyn_cast<StringAttr>(value);
  return s && !s.getValue().empty();
}
} // namespace

LogicalResult LipDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  StringRef name = attribute.getName().strref();
  Attribute value = attribute.getValue();
  auto fail = [&](StringRef expected) {
    return op->emitError() << "'" << name << "' must be " << expected << ", got " << value;
  };
  bool onFunction = isa<FunctionOpInterface>(op);
  if (name == kBoundAttrName)
    return isa<BoundAttr>(value) ? success() : fail("a #lip.bound");
  if (name == kResultBoundAttrName)
    return !onFunction                ? fail("on a function")
           : isa<BoundAttr>(value) ? success()
                                   : fail("a #lip.bound");
  if (name == kNotCertifiedAttrName)
    return isNonEmptyString(value) ? success() : fail("a non-empty string");
  if (name == kBudgetAttrName || name == kMaxLrScaleAttrName)
    return !onFunction               ? fail("on a function")
           : isPositiveFinite(value) ? success()
                                     : fail("a positive finite float");
  return op->emitError() << "unknown attribute '" << name << "' of the lip dialect";
}

LogicalResult LipDialect::verifyRegionArgAttribute(Operation *op, unsigned region,
                                                   unsigned argument, NamedAttribute attribute) {
  StringRef name = attribute.getName().strref();
  Attribute value = attribute.getValue();
  auto fail = [&](StringRef expected) {
    return op->emitError() << "'" << name << "' on argument " << argument << " must be "
                           << expected << ", got " << value;
  };
  if (name == kRmsBoundAttrName)
    return isPositiveFinite(value) ? success() : fail("a positive finite float");
  if (name == kVocabAttrName) {
    auto vocab = dyn_cast<IntegerAttr>(value);
    return vocab && vocab.getValue().isStrictlyPositive() ? success()
                                                          : fail("a positive integer");
  }
  if (name == kParamNameAttrName || name == kStateAttrName)
    return isNonEmptyString(value) ? success() : fail("a non-empty string");
  if (name == kConstraintAttrName)
    return isa<ConstraintAttr>(value) ? success() : fail("a #lip.constraint");
  if (name == kZeroInitAttrName)
    return isa<UnitAttr>(value) ? success() : fail("a unit attribute");
  return op->emitError() << "unknown argument attribute '" << name << "' of the lip dialect";
}
