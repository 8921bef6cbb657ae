//===- FuseProjection.cpp - Fuse Muon updates with soft-cap projections ---===//
//
// -lipopt-fuse-projection: one rewrite pattern, anchored on the projection,
// that walks the chain back to the momentum op and checks every link has a
// single use.
//
//===----------------------------------------------------------------------===//

#include "lipc/Transforms/Passes.h"
#include "lipc/Support/GreedyRewrite.h"

#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "lipopt-fuse-projection"

namespace mlir::lip {
#define GEN_PASS_DEF_LIPOPTFUSEPROJECTION
#include "lipc/Transforms/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lipopt;

namespace {
/// momentum -> newton_schulz -> apply_update -> soft_cap => muon_soft_cap.
struct FuseMuonSoftCap : OpRewritePattern<SoftCapOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftCapOp cap, PatternRewriter &rewriter) const override {
    auto apply = cap.getWeight().getDefiningOp<ApplyUpdateOp>();
    if (!apply || !apply->hasOneUse())
      return rewriter.notifyMatchFailure(cap, "the unprojected weight is used elsewhere");
    auto ns = apply.getUpdate().getDefiningOp<NewtonSchulzOp>();
    if (!ns || !ns->hasOneUse())
      return rewriter.notifyMatchFailure(cap, "the update is not a single-use Newton-Schulz");
    auto momentum = ns.getInput().getDefiningOp<MomentumOp>();
    if (!momentum || !momentum.getUpdate().hasOneUse())
      return rewriter.notifyMatchFailure(cap, "the momentum update is used elsewhere");
    // The alpha must be available where the fused op goes (the momentum op).
    Operation *alphaDef = cap.getAlpha().getDefiningOp();
    rewriter.setInsertionPoint(cap);
    if (alphaDef && alphaDef->getBlock() == cap->getBlock() && cap->isBeforeInBlock(alphaDef))
      return rewriter.notifyMatchFailure(cap, "alpha is computed after the projection");
    auto fused = rewriter.create<MuonSoftCapOp>(
        cap.getLoc(), apply.getType(), momentum.getNewBuffer().getType(), apply.getWeight(),
        momentum.getBuffer(), momentum.getGrad(), apply.getLr(), cap.getAlpha(),
        momentum.getStep(), momentum.getBetaAttr(), momentum.getNesterovAttr(),
        momentum.getBetaStartAttr(), momentum.getWarmupStepsAttr(), ns.getSetAttr(),
        ns.getCoefficientsAttr(), ns.getEpsAttr(), apply.getScaleAttr(), apply.getDecayAttr(),
        cap.getWMaxAttr());
    rewriter.replaceOp(cap, fused.getNewWeight());
    rewriter.replaceAllUsesWith(momentum.getNewBuffer(), fused.getNewBuffer());
    rewriter.eraseOp(apply);
    rewriter.eraseOp(ns);
    rewriter.eraseOp(momentum);
    return success();
  }
};

struct LipOptFuseProjectionPass final
    : lip::impl::LipOptFuseProjectionBase<LipOptFuseProjectionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseMuonSoftCap>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
