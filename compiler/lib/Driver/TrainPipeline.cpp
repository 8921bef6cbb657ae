//===- TrainPipeline.cpp - From a compiled spec to its training step ------===//

#include "lipc/Driver/TrainPipeline.h"

#include "lipc/Autodiff/Gradient.h"
#include "lipc/Support/CommandLinePassOptions.h"
#include "lipc/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdlib>
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

namespace {
/// `value` in the fewest significant digits that parse back to the same
/// double.
std::string exact(double value) {
  std::string text;
  for (int digits = 6; digits <= 17; ++digits) {
    text = llvm::formatv("{0}", llvm::format("%.*g", digits, value));
    if (std::strtod(text.c_str(), nullptr) == value)
      break;
  }
  return text;
}

/// A parameter name as param-lr takes it: letters, digits, '_', '.' and '-'
/// as they are, every other byte as %XX, so that no name (a spec's names
/// are any strings) can break the pipeline's text.
std::string escapedName(llvm::StringRef name) {
  std::string out;
  for (unsigned char c : name) {
    if (llvm::isAlnum(c) || c == '_' || c == '.' || c == '-')
      out += static_cast<char>(c);
    else
      out += llvm::formatv("%{0:X-2}", c).str();
  }
  return out;
}

/// trainingPipeline's passes, without the builtin.module anchor.
std::string trainingPasses(const spec::CompiledSpec &compiled, bool fuseProjections) {
  lip::TrainStepOptions o = trainOptionsFromSpec(*compiled.train);
  std::string options = llvm::formatv(
      "from-logits=true optimizer={0} lr={1} embed-lr={2} embed-inflation={3} momentum={4} "
      "momentum-warmup={5} momentum-start={6} nesterov={7} coefficients={8} schedule={9} "
      "steps={10} warmup={11} weight-decay={12} beta1={13} beta2={14} eps={15} "
      "cooldown-fraction={16} cooldown-floor={17}",
      o.optimizer, exact(o.lr), exact(o.embedLr), exact(o.embedInflation), exact(o.momentum),
      o.momentumWarmup, exact(o.momentumStart), o.nesterov ? "true" : "false",
      lipopt::stringifyNewtonSchulzSet(o.newtonSchulz), lipopt::stringifySchedule(o.schedule),
      o.steps, o.warmup, exact(o.weightDecay), exact(o.beta1), exact(o.beta2), exact(o.eps),
      exact(o.cooldownFraction), exact(o.cooldownFloor));
  std::string paramLr;
  for (const auto &[param, group] : compiled.paramGroup)
    for (const spec::ParamGroup &g : compiled.groups)
      if (g.name == group && g.lr)
        paramLr += (paramLr.empty() ? "" : ",") + escapedName(param) + "=" + exact(*g.lr);
  if (!paramLr.empty())
    options += " param-lr=" + paramLr;
  return "lip-build-train-step{" + options + "}" +
         (fuseProjections ? ",func.func(lipopt-fuse-projection)" : "") + ",cse";
}
} // namespace

std::string lipc::trainingPipeline(const spec::CompiledSpec &compiled, bool fuseProjections) {
  return "builtin.module(" + trainingPasses(compiled, fuseProjections) + ")";
}

LogicalResult lipc::buildTrainingModule(spec::CompiledSpec &compiled, bool fuseProjections) {
  func::FuncOp model = compiled.model;
  if (!compiled.train)
    return model.emitError("the spec has no train section to build a training step from");
  lip::TrainStepOptions options = trainOptionsFromSpec(*compiled.train);
  if (options.warmup >= options.steps)
    return model.emitError("warm-up (") << options.warmup << " steps) must be shorter than training ("
                                        << options.steps << " steps)";
  // The pipeline is parsed from its text, by name: its passes must be
  // registered (registering again is harmless).
  static const bool registered = [] {
    lip::registerLipcPasses();
    registerCSEPass();
    return true;
  }();
  (void)registered;
  PassManager pm(model->getContext());
  if (failed(applyCommandLinePassOptions(pm)))
    return failure();
  std::string pipeline = trainingPasses(compiled, fuseProjections);
  if (failed(parsePassPipeline(pipeline, pm)))
    return model.emitError("lipc built an unparsable training pipeline: ") << pipeline;
  return pm.run(*compiled.module);
}
