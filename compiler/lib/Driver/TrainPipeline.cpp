//===- TrainPipeline.cpp - From a compiled spec to its training step ------===//

#include "lipc/Driver/TrainPipeline.h"

#include "lipc/Autodiff/Gradient.h"
#include "lipc/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace lipc;

mlir::lip::TrainStepOptions lipc::trainOptionsFromSpec(const spec::TrainConfig &train) {
  lip::TrainStepOptions o;
  const spec::Setting &opt = train.optimizer;
  auto number = [](const spec::Setting &s, const char *key, double fallback) {
    auto it = s.numbers.find(key);
    return it == s.numbers.end() ? fallback : it->second;
  };
  o.optimizer = opt.kind;
  o.lr = number(opt, "lr", o.lr);
  o.embedLr = number(opt, "embed_lr", 0.0);
  o.embedInflation = number(opt, "embed_inflation", 0.0);
  o.momentum = number(opt, "momentum", o.momentum);
  o.momentumWarmup = static_cast<int64_t>(number(opt, "momentum_warmup", 0));
  o.momentumStart = number(opt, "momentum_start", o.momentumStart);
  o.beta1 = number(opt, "beta1", o.beta1);
  o.beta2 = number(opt, "beta2", o.beta2);
  o.eps = number(opt, "eps", o.eps);
  o.weightDecay = number(opt, "weight_decay", 0.0);
  if (auto it = opt.flags.find("nesterov"); it != opt.flags.end())
    o.nesterov = it->second;
  if (auto it = opt.strings.find("coefficients"); it != opt.strings.end())
    if (auto set = lipopt::symbolizeNewtonSchulzSet(it->second))
      o.newtonSchulz = *set;
  if (auto kind = lipopt::symbolizeSchedule(train.schedule.kind))
    o.schedule = *kind;
  o.warmup = static_cast<int64_t>(number(train.schedule, "warmup", 0));
  o.cooldownFraction = number(train.schedule, "fraction", o.cooldownFraction);
  o.cooldownFloor = number(train.schedule, "floor", o.cooldownFloor);
  o.steps = train.steps;
  return o;
}

LogicalResult lipc::buildTrainingModule(spec::CompiledSpec &compiled, bool fuseProjections) {
  func::FuncOp model = compiled.model;
  if (!compiled.train)
    return model.emitError("the spec has no train section to build a training step from");
  lip::TrainStepOptions options = trainOptionsFromSpec(*compiled.train);
  for (const auto &[param, group] : compiled.paramGroup)
    for (const spec::ParamGroup &g : compiled.groups)
      if (g.name == group && g.lr)
        options.paramLr[param] = *g.lr;
  if (options.warmup >= options.steps)
    return model.emitError("warm-up (") << options.warmup << " steps) must be shorter than training ("
                                        << options.steps << " steps)";
  lip::buildForwardFunction(model, kForwardFunctionName);
  if (failed(lip::appendCrossEntropyLoss(model)) || failed(lip::buildTrainStep(model, options)))
    return failure();
  PassManager pm(model->getContext());
  if (fuseProjections)
    pm.addNestedPass<func::FuncOp>(lip::createLipOptFuseProjection());
  pm.addPass(createCSEPass());
  return pm.run(*compiled.module);
}
