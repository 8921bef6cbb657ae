//===- SpecConfig.h - Constraint groups, budget and training settings -----===//
//
// The non-graph parts of a spec, checked and typed: parameter groups with
// their constraint, the Lipschitz budget, and the training section (parsed
// and validated now, consumed by the training and runtime stages).
//
//===----------------------------------------------------------------------===//

#ifndef LIPSPEC_SPECCONFIG_H
#define LIPSPEC_SPECCONFIG_H

#include "lip/Dialect/Lip/LipDialect.h"

#include "llvm/Support/SMLoc.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lipc::spec {

/// `constraint NAME { method = ..., w_max = ..., match = "glob" | [...] }`.
struct ParamGroup {
  std::string name;
  mlir::lip::ConstraintMethod method = mlir::lip::ConstraintMethod::none;
  double wMax = 1.0;
  /// Glob patterns over parameter names; the group named "default" also
  /// takes every parameter no other group matches.
  std::vector<std::string> patterns;
  /// The group's own learning rate (the optimizer's when unset).
  std::optional<double> lr;
  /// `init = zero`: its parameters start at zero (else orthogonal).
  bool zeroInit = false;
  llvm::SMLoc loc;
};

/// `budget { max = 2.0, solve = true, groups = ["default", "qk"], shares = [1, 0.5] }`.
struct BudgetConfig {
  double max = 0;
  bool solve = false;
  /// Groups whose w_max the solver may change (all when empty).
  std::vector<std::string> groups;
  /// Per group of `groups`: its w_max becomes w_max * t^share for the one
  /// scale t the solver finds (share 0 keeps it, 1 by default; a group with
  /// a smaller share gives up less of its room). Empty: 1 for every group.
  std::vector<double> shares;
  llvm::SMLoc loc;
};

/// A call-like setting such as `muon(lr = 0.1)` or a bare `linear`.
struct Setting {
  std::string kind;
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> strings;
  std::map<std::string, bool> flags;
};

/// `train { ... }`.
struct TrainConfig {
  Setting data;      // text(path, split) | fashion_mnist(path?) | csv(path, split)
  Setting optimizer; // muon(...) | adamw(...)
  Setting schedule;  // constant | linear | cosine, with warmup/cooldown
  int64_t steps = 0;
  int64_t batch = 0;
  int64_t seq = 0; // 0 when the model takes no token sequence
  int64_t seed = 0;
  int64_t evalEvery = 0;
  /// The model's matrix products: fp32, bf16 or tf32 (operands rounded to
  /// that format, float32 accumulation; weights, optimizer and constraints
  /// stay float32).
  std::string precision = "fp32";
  llvm::SMLoc loc;
};

} // namespace lipc::spec

#endif // LIPSPEC_SPECCONFIG_H
