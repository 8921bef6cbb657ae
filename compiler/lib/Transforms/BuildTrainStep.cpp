//===- BuildTrainStep.cpp - Build @train_step ------------------------------===//
//
// -lip-build-train-step: pass options to TrainStepOptions, then
// lipc/Training/TrainStep.h.
//
//===----------------------------------------------------------------------===//

#include "lipc/Autodiff/Gradient.h"
#include "lipc/Training/TrainStep.h"
#include "lipc/Transforms/Passes.h"

#include <optional>

#define DEBUG_TYPE "lip-build-train-step"

namespace mlir::lip {
#define GEN_PASS_DEF_LIPBUILDTRAINSTEP
#include "lipc/Transforms/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip;

namespace {
/// A param-lr name with its %XX escapes decoded; none if one is malformed.
std::optional<std::string> unescapeName(StringRef name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      out += name[i];
      continue;
    }
    unsigned byte;
    if (i + 2 >= name.size() || name.substr(i + 1, 2).getAsInteger(16, byte))
      return std::nullopt;
    out += static_cast<char>(byte);
    i += 2;
  }
  return out;
}

struct LipBuildTrainStepPass final : lip::impl::LipBuildTrainStepBase<LipBuildTrainStepPass> {
  using Base::Base;
  void runOnOperation() override;

  /// from-logits: the one public function returns logits; @forward keeps
  /// them, the function itself then returns their cross-entropy.
  LogicalResult addForwardAndLoss() {
    SmallVector<func::FuncOp> models;
    for (func::FuncOp func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        models.push_back(func);
    if (models.size() != 1)
      return getOperation().emitError("from-logits needs one public function returning logits, "
                                      "found ")
             << models.size();
    buildForwardFunction(models.front(), kForwardFunctionName);
    return appendCrossEntropyLoss(models.front());
  }
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
  o.beta1 = beta1;
  o.beta2 = beta2;
  o.eps = eps;
  o.cooldownFraction = cooldownFraction;
  o.cooldownFloor = cooldownFloor;
  for (const std::string &entry : paramLr) {
    auto [name, text] = StringRef(entry).split('=');
    std::optional<std::string> unescaped = unescapeName(name);
    double rate;
    if (name.empty() || !unescaped || text.getAsDouble(rate) || !(rate > 0)) {
      getOperation().emitError("param-lr entries are NAME=RATE with a positive rate (other "
                               "bytes of NAME than letters, digits, '_', '.' and '-' as "
                               "%XX), got '")
          << entry << "'";
      return signalPassFailure();
    }
    o.paramLr[*unescaped] = rate;
  }
  auto set = lipopt::symbolizeNewtonSchulzSet(coefficients);
  auto kind = lipopt::symbolizeSchedule(schedule);
  if (!set || *set == lipopt::NewtonSchulzSet::custom || !kind) {
    getOperation().emitError("unknown ")
        << (!kind ? "schedule '" + schedule : "coefficient set '" + coefficients) << "'";
    return signalPassFailure();
  }
  o.newtonSchulz = *set;
  o.schedule = *kind;
  if (fromLogits && failed(addForwardAndLoss()))
    return signalPassFailure();
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
