//===- BuildTrainStep.cpp - Build @train_step ------------------------------===//
//
// -lip-build-train-step: pass options to TrainStepOptions, then
// lipc/Training/TrainStep.h.
//
//===----------------------------------------------------------------------===//

#include "lipc/Training/TrainStep.h"
#include "lipc/Transforms/Passes.h"

#define DEBUG_TYPE "lip-build-train-step"

namespace mlir::lip {
#define GEN_PASS_DEF_LIPBUILDTRAINSTEP
#include "lipc/Transforms/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip;

namespace {
struct LipBuildTrainStepPass final : lip::impl::LipBuildTrainStepBase<LipBuildTrainStepPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace

void LipBuildTrainStepPass::runOnOperation() {
  TrainStepOptions o;
  o.optimizer = optimizer;
  o.lr = lr;
  o.embedLr = embedLr;
  o.embedInflation = embedInflation;
  o.momentum = momentum;
  o.momentumWarmup = momentumWarmup;
  o.momentumStart = momentumStart;
  o.nesterov = nesterov;
  o.steps = steps;
  o.warmup = warmup;
  o.weightDecay = weightDecay;
  auto set = lipopt::symbolizeNewtonSchulzSet(coefficients);
  auto kind = lipopt::symbolizeSchedule(schedule);
  if (!set || *set == lipopt::NewtonSchulzSet::custom || !kind) {
    getOperation().emitError("unknown ")
        << (!kind ? "schedule '" + schedule : "coefficient set '" + coefficients) << "'";
    return signalPassFailure();
  }
  o.newtonSchulz = *set;
  o.schedule = *kind;
  for (func::FuncOp func : getOperation().getOps<func::FuncOp>()) {
    auto results = func.getFunctionType().getResults();
    if (func.isExternal() || results.size() != 1 ||
        cast<RankedTensorType>(results[0]).getRank() != 0)
      continue;
    if (failed(buildTrainStep(func, o)))
      signalPassFailure();
    return;
  }
  getOperation().emitError("no function returns a loss to train");
  signalPassFailure();
}
