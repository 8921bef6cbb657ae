//===- SoundnessHarness.h - Search for the worst Lipschitz ratio ----------===//
//
// Empirical check of certified bounds: parse a lip function, compute its
// certified bound with the analysis, set every weight exactly at its
// constraint (all singular values at the guaranteed norm, from random
// orthogonal factors), then search for the largest
//   |f(x) - f(y)| / |x - y|        (max-token RMS norms)
// over the input domain with random pairs, nearby pairs and projected
// gradient ascent on the ratio. The bound is sound only if no ratio found
// exceeds it.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_TESTS_UNIT_SOUNDNESSHARNESS_H
#define LIPC_TESTS_UNIT_SOUNDNESSHARNESS_H

#include "lip/Dialect/Lip/LipDialect.h"
#include "lipc/Reference/Interpreter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <random>
#include <string>

namespace lipc::test {

/// U diag(sigma) V^T of size rows x cols, U and V with orthonormal random
/// columns (sigma.size() <= min(rows, cols)).
lipnum::Tensor withSingularValues(int64_t rows, int64_t cols, const std::vector<double> &sigma,
                                      std::mt19937_64 &rng);

struct SearchOptions {
  int randomPairs = 300;
  int nearPairs = 300;
  int ascentStarts = 8;
  int ascentSteps = 100;
  uint64_t seed = 1;
};

struct SearchResult {
  double certified = 0;
  double measured = 0;
  std::string notCertified;
};

class SoundnessHarness {
public:
  /// Parses `source`; `funcName` selects the function (the first if empty).
  SoundnessHarness(const std::string &source, const std::string &funcName = "");

  bool parsed() const { return func != nullptr; }
  /// The analysis' bound for the function's result.
  SearchResult certify();
  /// Random weights, each exactly at the norm its constraint guarantees.
  mlir::lip::ParamMap weightsAtConstraint(std::mt19937_64 &rng);
  /// The largest ratio found for the first float argument (the others fixed).
  double searchFloatInput(const mlir::lip::ParamMap &params, const SearchOptions &options);
  /// The largest ratio found for token-id inputs of an embedding, measured
  /// from one-hot tokens in l1 (a changed token moves the input by 2).
  double searchTokenInput(const mlir::lip::ParamMap &params, const SearchOptions &options);

  /// Certifies, draws weights and searches; the test asserts on the result.
  SearchResult run(const SearchOptions &options);

private:
  lipnum::Tensor output(const mlir::lip::ParamMap &params,
                            const std::vector<lipnum::Tensor> &args);
  std::vector<int64_t> concreteShape(unsigned argIndex);
  lipnum::Tensor randomLabels(unsigned argIndex, std::mt19937_64 &rng);

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp func;
};

} // namespace lipc::test

#endif // LIPC_TESTS_UNIT_SOUNDNESSHARNESS_H
