//===- LipOptDialect.h - The lipopt dialect ---------------------*- C++ -*-===//
//
// Include this to use the lipopt dialect (optimizer and constraint ops).
//
//===----------------------------------------------------------------------===//

#ifndef LIP_DIALECT_LIPOPT_LIPOPTDIALECT_H
#define LIP_DIALECT_LIPOPT_LIPOPTDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <array>

#include "lip/Dialect/LipOpt/LipOptDialect.h.inc"
#include "lip/Dialect/LipOpt/LipOptEnums.h.inc"

namespace mlir::lipopt {
/// The (a, b, c) of every step of a Newton-Schulz set (`custom` reads the
/// triples from `coefficients`).
SmallVector<std::array<double, 3>> getNewtonSchulzSteps(NewtonSchulzSet set,
                                                       std::optional<ArrayRef<double>> coefficients);
/// Momentum at `step`: `beta`, or during `warmupSteps` the linear ramp from
/// `betaStart`.
double momentumAt(double beta, double betaStart, int64_t warmupSteps, double step);
} // namespace mlir::lipopt

#define GET_ATTRDEF_CLASSES
#include "lip/Dialect/LipOpt/LipOptAttrs.h.inc"

#define GET_OP_CLASSES
#include "lip/Dialect/LipOpt/LipOptOps.h.inc"

#endif // LIP_DIALECT_LIPOPT_LIPOPTDIALECT_H
