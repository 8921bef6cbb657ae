//===- CheckBudget.cpp - Fail when the certified bound exceeds a budget ---===//
//
// -lip-check-budget: the error lists every op's factor and the bound so far,
// at the op's location, so the user sees which layers spend the budget.
//
//===----------------------------------------------------------------------===//

#include "lipc/Analysis/LipschitzAnalysis.h"
#include "lipc/Transforms/Passes.h"


#define DEBUG_TYPE "lip-check-budget"

namespace mlir::lip {
#define GEN_PASS_DEF_LIPCHECKBUDGET
#include "lipc/Transforms/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip;

namespace {
struct LipCheckBudgetPass final : lip::impl::LipCheckBudgetBase<LipCheckBudgetPass> {
  using Base::Base;
  void runOnOperation() override;
};

/// One note per op that changes the bound (factor != 1), at its location,
/// named as in the source when the op carries a NameLoc.
void attachBreakdown(InFlightDiagnostic &diag, const LipschitzAnalysis &analysis) {
  for (const OpBoundRecord &record : analysis.getRecords()) {
    if (isa<ParamOp>(record.op) || record.rule.factor == 1.0)
      continue;
    std::string name = record.op->getName().getStringRef().str();
    if (auto named = dyn_cast<NameLoc>(record.op->getLoc()))
      name = named.getName().str() + "' (" + name + ")";
    else
      name += "'";
    diag.attachNote(record.op->getLoc())
        << "'" << name << ": factor "
        << formatBound(record.rule.factor) << ", bound so far "
        << formatBound(record.rule.bound.lipschitz);
  }
}
} // namespace

void LipCheckBudgetPass::runOnOperation() {
  func::FuncOp func = getOperation();
  if (func.isExternal())
    return; // A declaration has nothing to bound.
  double budget = maxLipschitz;
  if (budget <= 0) {
    auto attr = func->getAttrOfType<FloatAttr>(kBudgetAttrName);
    if (!attr)
      return; // No budget was asked for.
    budget = attr.getValueAsDouble();
  }
  const LipschitzAnalysis &analysis = getAnalysis<LipschitzAnalysis>();
  if (!analysis.succeeded())
    return signalPassFailure();
  ValueBound result = *analysis.getResultBound();
  if (!result.isCertified()) {
    InFlightDiagnostic diag = func.emitError()
                              << "cannot meet the Lipschitz budget " << formatBound(budget)
                              << ": the bound is not certified ("
                              << result.notCertified << ")";
    attachBreakdown(diag, analysis);
    return signalPassFailure();
  }
  if (result.lipschitz > budget) {
    InFlightDiagnostic diag = func.emitError()
                              << "certified Lipschitz bound " << formatBound(result.lipschitz)
                              << " exceeds the budget " << formatBound(budget);
    attachBreakdown(diag, analysis);
    return signalPassFailure();
  }
  markAllAnalysesPreserved();
}
