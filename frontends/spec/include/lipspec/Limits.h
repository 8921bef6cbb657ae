//===- Limits.h - What a spec may ask of the front end ----------*- C++ -*-===//
//
// Every bound the front end puts on a spec, in one place: the size of the
// file, how deep it nests, how long it takes to evaluate and how large the
// model it describes may be. A spec is a few KiB of text for a model that
// trains on one machine; these limits are orders of magnitude above that,
// and below what would overflow the stack, an int64_t or memory.
// docs/spec-grammar.md ("Limits") documents them.
//
// NumberRange is the allowed range of one numeric value, so the check and
// its message ("must be a number in [0, 1)") come from the same data.
//
//===----------------------------------------------------------------------===//

#ifndef LIPSPEC_LIMITS_H
#define LIPSPEC_LIMITS_H

#include <cstdint>
#include <limits>
#include <string>

namespace lipc::spec {

/// The largest spec file read (1 MiB).
inline constexpr uint64_t kMaxSpecBytes = 1 << 20;
/// How deep parentheses, brackets, calls, unary minus and repeat blocks may
/// nest together; the parser and evaluator recurse once per level.
inline constexpr unsigned kMaxNesting = 100;
/// How deep calls of defs may nest (a recursive def stops here).
inline constexpr unsigned kMaxCallDepth = 16;
/// The largest repeat count.
inline constexpr int64_t kMaxRepeat = 10'000;
/// Evaluation steps (each expression evaluated and each repeat iteration,
/// with repeats unrolled): this bounds the work and the model's op count.
inline constexpr uint64_t kMaxEvalSteps = 1'000'000;
/// The largest single size: an input dimension, a layer width, a vocabulary.
inline constexpr int64_t kMaxDimension = 1 << 20;
/// The most numbers one example's tensor, or all parameters together, hold.
inline constexpr int64_t kMaxElements = int64_t(1) << 30;

/// An interval of allowed values; `whole` also requires a whole number.
struct NumberRange {
  double lo, hi;
  bool loOpen = false, hiOpen = false, whole = false;

  bool contains(double value) const;
  /// "a number in [0, 1)", "a whole number from 1 to 10000", "a number > 0".
  std::string describe() const;
};

inline constexpr double kNoUpperBound = std::numeric_limits<double>::max();

/// Whole numbers from `lo` to `hi`.
constexpr NumberRange wholeRange(double lo, double hi) { return {lo, hi, false, false, true}; }
/// Finite numbers > 0 (learning rates, budgets).
inline constexpr NumberRange kPositive{0, kNoUpperBound, /*loOpen=*/true};
/// Sizes: a dimension, a width, a vocabulary, a batch, a sequence length.
inline constexpr NumberRange kDimensionRange = wholeRange(1, kMaxDimension);
/// A constraint's w_max: a bound far below 1e-6 or above 1e6 is a typo, and
/// products of such factors over many layers leave the range of a double.
inline constexpr NumberRange kWMaxRange{1e-6, 1e6};
/// The embedding update's inflation: at least 1 (rows are never scaled
/// down below RMS 1), at most 1e6 (beyond, a typo).
inline constexpr NumberRange kInflationRange{1, 1e6};
/// A budget share: the exponent of the solver's scale for one group.
inline constexpr NumberRange kShareRange{0, 100};

} // namespace lipc::spec

#endif // LIPSPEC_LIMITS_H
