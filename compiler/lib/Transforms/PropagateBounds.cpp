//===- PropagateBounds.cpp - Attach certified bounds to the IR ------------===//
//
// -lip-propagate-bounds: runs LipschitzAnalysis and records its result on
// every op (`lip.bound`) and on the function (`lip.result_bound`), so that
// the bounds print with the IR and later stages can read them.
//
//===----------------------------------------------------------------------===//

#include "lipc/Analysis/LipschitzAnalysis.h"
#include "lipc/Transforms/Passes.h"

#define DEBUG_TYPE "lip-propagate-bounds"

namespace mlir::lip {
#define GEN_PASS_DEF_LIPPROPAGATEBOUNDS
#include "lipc/Transforms/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip;

namespace {
struct LipPropagateBoundsPass final
    : lip::impl::LipPropagateBoundsBase<LipPropagateBoundsPass> {
  void runOnOperation() override;
};
} // namespace

void LipPropagateBoundsPass::runOnOperation() {
  func::FuncOp func = getOperation();
  if (func.isExternal())
    return; // A declaration has nothing to bound.
  const LipschitzAnalysis &analysis = getAnalysis<LipschitzAnalysis>();
  if (!analysis.succeeded())
    return signalPassFailure();

  MLIRContext *ctx = &getContext();
  for (const OpBoundRecord &record : analysis.getRecords()) {
    const ValueBound &b = record.rule.bound;
    record.op->setAttr(kBoundAttrName,
                       BoundAttr::get(ctx, record.rule.factor, b.lipschitz, b.rms));
    if (!b.isCertified())
      record.op->setAttr(kNotCertifiedAttrName, StringAttr::get(ctx, b.notCertified));
  }
  ValueBound result = *analysis.getResultBound();
  func->setAttr(kResultBoundAttrName,
                BoundAttr::get(ctx, result.lipschitz, result.lipschitz, result.rms));
  if (!result.isCertified())
    func->setAttr(kNotCertifiedAttrName, StringAttr::get(ctx, result.notCertified));
  markAllAnalysesPreserved();
}
