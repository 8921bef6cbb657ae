//===- BudgetSolver.h - Largest w_max that meets a Lipschitz budget -------===//
//
// Scales the w_max of the chosen constraint groups by one common factor t and
// finds, by bisection on log t, the largest t whose certified bound meets the
// budget. Every rule is monotone in the weight norms, so the bound is
// monotone in t and bisection finds the boundary.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_BUDGETSOLVER_H
#define LIPC_DRIVER_BUDGETSOLVER_H

#include "lipc/Driver/BoundsReport.h"

namespace lipc {

/// Rewrites the constraints of `spec`'s parameters (and its group table) to
/// the solution. Errors (budget unreachable, bound not certified) are
/// reported at the budget's location.
mlir::FailureOr<BudgetOutcome> solveBudget(spec::CompiledSpec &spec, const spec::BudgetConfig &budget,
                                           mlir::Location budgetLoc);

} // namespace lipc

#endif // LIPC_DRIVER_BUDGETSOLVER_H
