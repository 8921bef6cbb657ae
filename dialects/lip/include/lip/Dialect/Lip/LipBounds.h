//===- LipBounds.h - What the bound analysis knows of a value ---*- C++ -*-===//
//
// The lattice element of the Lipschitz bound analysis and the result of one
// op's rule. Norms are the max-token RMS norms of Rationale.md.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_DIALECT_LIP_LIPBOUNDS_H
#define LIP_DIALECT_LIP_LIPBOUNDS_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdio>
#include <limits>
#include <string>

namespace mlir::lip {

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

/// Upper bounds known for one SSA value.
struct ValueBound {
  /// Lipschitz constant from the model input to this value; 0 for values that
  /// do not depend on the input (parameters, labels).
  double lipschitz = 0.0;
  /// Largest per-token RMS the value can take.
  double rms = kUnbounded;
  /// For parameters: the operator norm (`rms_to_rms` or `l1_to_rms`) that the
  /// constraint keeps the weight under. Unbounded for everything else.
  double weightNorm = kUnbounded;
  /// Empty when the bounds above are guaranteed; otherwise why they are not
  /// (e.g. a parameter whose constraint method guarantees nothing). The
  /// numbers are then nominal.
  std::string notCertified;

  bool isCertified() const { return notCertified.empty(); }
};

/// What an op's rule returns: the result's bound, the op's own factor with
/// respect to its first operand (for reports), and an optional note that
/// explains an assumption (shown by `lipc bounds`).
struct RuleResult {
  ValueBound bound;
  double factor = 1.0;
  std::string note;
};

/// The rule of a 1-Lipschitz op that never increases the max-token RMS:
/// the first operand's bounds pass through with factor 1.
RuleResult nonExpansiveRule(llvm::ArrayRef<ValueBound> operands);

/// A bound for people: six significant digits, `inf` when unbounded.
inline std::string formatBound(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

} // namespace mlir::lip

#endif // LIP_DIALECT_LIP_LIPBOUNDS_H
