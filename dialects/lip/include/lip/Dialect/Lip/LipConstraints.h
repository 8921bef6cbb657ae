//===- LipConstraints.h - What each constraint method guarantees -*- C++ -*-===//
//
// The one table that says, for every constraint method, which weight norm the
// training step's projection guarantees. The bound analysis uses nothing else
// to bound a parameter. Rationale.md explains every entry.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_DIALECT_LIP_LIPCONSTRAINTS_H
#define LIP_DIALECT_LIP_LIPCONSTRAINTS_H

#include "lip/Dialect/Lip/LipDialect.h"

namespace mlir::lip {

/// The hard cap's odd quintic overshoots min(1, sigma) by up to this factor
/// on [0, 3.5] (algorithms.md 3.4, maximum 1.0109 measured; rounded up).
inline constexpr double kHardCapOvershoot = 1.0110;
/// The largest sigma (in units of w_max) the hard cap is guaranteed on.
inline constexpr double kHardCapMaxInput = 3.5;

struct ConstraintGuarantee {
  /// Upper bound on the parameter's norm; nominal when not certified.
  double normBound;
  /// Empty when the method guarantees `normBound`; otherwise why not.
  std::string notCertified;
  /// The conditions under which the guarantee holds (shown in reports).
  std::string assumption;
};

/// What `constraint` guarantees for the parameter it is attached to.
ConstraintGuarantee getConstraintGuarantee(ConstraintAttr constraint);

/// Whether `method` may bound a norm of kind `norm` (spectral methods need a
/// matrix norm; the embedding cap bounds rows).
bool isMethodApplicable(ConstraintMethod method, NormKind norm);

} // namespace mlir::lip

#endif // LIP_DIALECT_LIP_LIPCONSTRAINTS_H
