//===- TrainStep.h - Build the training step of a model in the IR ---------===//
//
// From a forward function that returns a loss: the gradient function
// (lipc/Autodiff/Gradient.h) and
//
//   func @train_step(params..., state..., %step, inputs..., labels)
//       -> (loss, lr, new params..., new state...)
//
// with the optimizer update and the projection of every parameter's
// constraint in lipopt ops, right after its update; lr is the schedule's
// base learning rate at this step (f64), for the training log.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_TRAINING_TRAINSTEP_H
#define LIPC_TRAINING_TRAINSTEP_H

#include "lip/Dialect/LipOpt/LipOptDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>
#include <string>

namespace mlir::lip {

struct TrainStepOptions {
  std::string optimizer = "muon"; // muon | adamw
  double lr = 0.02;
  /// Embedding tables always take AdamW steps (as Keller's Muon does) with
  /// this learning rate (0: the same as `lr`).
  double embedLr = 0.0;
  /// Greater than 0: embeddings instead take the paper's update, their
  /// momentum's rows normalized to RMS 1 and scaled up by at most this
  /// factor (lipopt.normalize_rows), at embedLr.
  double embedInflation = 0.0;
  double momentum = 0.95;
  /// Momentum warm-up: beta rises from momentumStart over these steps.
  int64_t momentumWarmup = 0;
  double momentumStart = 0.85;
  bool nesterov = true;
  lipopt::NewtonSchulzSet newtonSchulz = lipopt::NewtonSchulzSet::jiacheng6;
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double weightDecay = 0.0;
  lipopt::Schedule schedule = lipopt::Schedule::constant;
  int64_t steps = 1000, warmup = 0;
  double cooldownFraction = 0.4, cooldownFloor = 0.1;
  int64_t powerSteps = 2, gramSteps = 6;
  double spectralDecay = 0.1;
  /// Base learning rates of single parameters (by name), overriding lr.
  std::map<std::string, double> paramLr;
};

/// Builds @<func>_grad and @train_step next to `func`. Warns where a
/// constraint's guarantee does not hold under these options (soft cap with
/// AdamW, or a learning rate beyond the soft cap's condition).
FailureOr<func::FuncOp> buildTrainStep(func::FuncOp func, const TrainStepOptions &options);

/// The largest sigma of the Newton-Schulz set's output, for the soft cap's
/// update-norm bound (jiacheng6 stays below 1; the others overshoot).
double newtonSchulzMaxSigma(lipopt::NewtonSchulzSet set);

} // namespace mlir::lip

#endif // LIPC_TRAINING_TRAINSTEP_H
