//===- BudgetSolver.cpp - Largest w_max that meets a Lipschitz budget -----===//

#include "lipc/Driver/BudgetSolver.h"

#include "lipc/Analysis/LipschitzAnalysis.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace lipc;

/// The solver searches t in [kMinScale, kMaxScale].
static constexpr double kMinScale = 1e-6;
static constexpr double kMaxScale = 1e6;
static constexpr int kBisectionSteps = 80;

namespace {
struct Scaled {
  lip::ParamOp op;
  double baseWMax;
  double share; // w_max = baseWMax * t^share
};

/// Applies scale `t` to every scaled parameter and returns the bound.
lip::ValueBound boundAt(func::FuncOp func, ArrayRef<Scaled> scaled, double t) {
  for (Scaled s : scaled) {
    lip::ConstraintAttr c = s.op.getConstraint();
    s.op.setConstraintAttr(lip::ConstraintAttr::get(
        func.getContext(), c.getMethod(), s.baseWMax * std::pow(t, s.share), c.getNorm()));
  }
  lip::LipschitzAnalysis analysis(func);
  return analysis.succeeded() ? *analysis.getResultBound() : lip::ValueBound{};
}
} // namespace

FailureOr<BudgetOutcome> lipc::solveBudget(spec::CompiledSpec &spec,
                                           const spec::BudgetConfig &budget, Location budgetLoc) {
  std::vector<std::string> groups = budget.groups;
  if (groups.empty())
    for (const spec::ParamGroup &g : spec.groups)
      groups.push_back(g.name);
  auto shareOf = [&](StringRef group) {
    auto at = llvm::find(budget.groups, group);
    return budget.shares.empty() || at == budget.groups.end()
               ? 1.0
               : budget.shares[at - budget.groups.begin()];
  };
  SmallVector<Scaled> scaled;
  spec.model.walk([&](lip::ParamOp p) {
    auto it = spec.paramGroup.find(p.getName().str());
    if (it != spec.paramGroup.end() && llvm::is_contained(groups, it->second))
      scaled.push_back({p, p.getConstraint().getWMaxValue(), shareOf(it->second)});
  });
  if (scaled.empty()) {
    emitError(budgetLoc) << "cannot solve the budget: no parameter belongs to the groups "
                         << llvm::join(groups, ", ");
    return failure();
  }
  lip::ValueBound lowest = boundAt(spec.model, scaled, kMinScale);
  if (!lowest.isCertified()) {
    boundAt(spec.model, scaled, 1.0);
    emitError(budgetLoc) << "cannot solve the budget: the bound is not certified ("
                         << lowest.notCertified << ")";
    return failure();
  }
  if (lowest.lipschitz > budget.max) {
    boundAt(spec.model, scaled, 1.0);
    emitError(budgetLoc) << "budget " << lip::formatBound(budget.max)
                         << " cannot be met: with the w_max of " << llvm::join(groups, ", ")
                         << " scaled down by " << lip::formatBound(kMinScale)
                         << " the bound is still " << lip::formatBound(lowest.lipschitz)
                         << " (the layers outside these groups need it)";
    return failure();
  }
  // Invariant: bound(lo) <= max; bound(hi) > max unless hi is the ceiling.
  double lo = std::log(kMinScale), hi = std::log(kMaxScale);
  if (boundAt(spec.model, scaled, kMaxScale).lipschitz <= budget.max) {
    lo = hi;
  } else {
    for (int i = 0; i < kBisectionSteps; ++i) {
      double mid = 0.5 * (lo + hi);
      (boundAt(spec.model, scaled, std::exp(mid)).lipschitz <= budget.max ? lo : hi) = mid;
    }
  }
  // Report a scale with four significant digits, rounded down so that a user
  // who copies the printed w_max into the spec still meets the budget.
  double t = std::exp(lo);
  double unit = std::pow(10.0, std::floor(std::log10(t)) - 3);
  double rounded = std::floor(t / unit) * unit;
  if (rounded > 0 && boundAt(spec.model, scaled, rounded).lipschitz <= budget.max)
    t = rounded;
  boundAt(spec.model, scaled, t);
  BudgetOutcome outcome;
  outcome.max = budget.max;
  outcome.met = true;
  outcome.scale = t;
  outcome.shared = llvm::any_of(budget.shares, [](double s) { return s != 1; });
  for (spec::ParamGroup &g : spec.groups)
    if (llvm::is_contained(groups, g.name)) {
      double scaledWMax = g.wMax * std::pow(t, shareOf(g.name));
      outcome.changedGroups.push_back({g.name, {g.wMax, scaledWMax}});
      g.wMax = scaledWMax;
    }
  return outcome;
}
