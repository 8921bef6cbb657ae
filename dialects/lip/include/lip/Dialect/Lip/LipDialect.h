//===- LipDialect.h - The lip dialect ---------------------------*- C++ -*-===//
//
// Include this to use the lip dialect: dialect, attributes, interface, ops.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_DIALECT_LIP_LIPDIALECT_H
#define LIP_DIALECT_LIP_LIPDIALECT_H

#include "lip/Dialect/Lip/LipAttrNames.h"
#include "lip/Dialect/Lip/LipBounds.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "lip/Dialect/Lip/LipOpsDialect.h.inc"
#include "lip/Dialect/Lip/LipEnums.h.inc"

namespace mlir::lip {
/// Parses a double written by printBoundDouble (a float literal or `inf`).
FailureOr<llvm::APFloat> parseBoundDouble(AsmParser &parser);
/// Prints a double so that it parses back bit for bit; infinity as `inf`.
void printBoundDouble(AsmPrinter &printer, const llvm::APFloat &value);
} // namespace mlir::lip

#define GET_ATTRDEF_CLASSES
#include "lip/Dialect/Lip/LipAttrs.h.inc"

#include "lip/Dialect/Lip/LipInterfaces.h.inc"

#define GET_OP_CLASSES
#include "lip/Dialect/Lip/LipOps.h.inc"

#endif // LIP_DIALECT_LIP_LIPDIALECT_H
