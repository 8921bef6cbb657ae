//===- TrainStepTest.cpp - The training step built in the IR, run ---------===//
//
// Builds @train_step for a small MLP (soft cap, spectral normalization and
// an embedding-free model), runs it for many steps with the reference
// interpreter and checks that the loss falls, that every certified
// constraint holds after every step (exact SVD), and that the fused
// update+projection (-lipopt-fuse-projection) computes the same training.
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/Lip/LipConstraints.h"
#include "lipc/Autodiff/Gradient.h"
#include "lipc/Reference/Interpreter.h"
#include "lipc/Training/TrainStep.h"
#include "lipc/Transforms/Passes.h"
#include "lipnum/OptKernels.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::lip;
using lipnum::Tensor;

namespace {
const char *kModel = R"mlir(
func.func @mlp(%x: tensor<16x6xf32> {lip.rms_bound = 1.0 : f64}, %y: tensor<16xi32>) -> tensor<f32> {
  %w0 = lip.param "in" <soft_cap, w_max = 1.5, norm = rms_to_rms> : tensor<12x6xf32>
  %w1 = lip.param "hidden" <spectral_normalize, w_max = 1.2, norm = rms_to_rms> : tensor<12x12xf32>
  %w2 = lip.param "out" <hard_cap, w_max = 2.0, norm = rms_to_rms> : tensor<3x12xf32>
  %h0 = lip.linear %x, %w0 : tensor<16x6xf32>, tensor<12x6xf32> -> tensor<16x12xf32>
  %a0 = lip.relu %h0 : tensor<16x12xf32>
  %h1 = lip.linear %a0, %w1 : tensor<16x12xf32>, tensor<12x12xf32> -> tensor<16x12xf32>
  %a1 = lip.maxmin %h1 : tensor<16x12xf32>
  %z = lip.linear %a1, %w2 : tensor<16x12xf32>, tensor<3x12xf32> -> tensor<16x3xf32>
  %l = lip.cross_entropy %z, %y : tensor<16x3xf32>, tensor<16xi32> -> tensor<f32>
  return %l : tensor<f32>
})mlir";

struct TrainingRun {
  std::vector<double> losses;
  std::vector<Tensor> finalParams;
  double worstRatio = 0; // max over steps and params of n(W) / guaranteed norm
};

double rmsNorm(const Tensor &w) {
  return std::sqrt(static_cast<double>(w.dim(1)) / w.dim(0)) *
         lipnum::singularValues(w)[0];
}

TrainingRun train(bool fused, int steps) {
  MLIRContext context;
  context.loadDialect<LipDialect, lipopt::LipOptDialect, func::FuncDialect, arith::ArithDialect>();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kModel, &context);
  TrainStepOptions options;
  options.lr = 0.08;
  options.schedule = lipopt::Schedule::linear;
  options.steps = steps;
  func::FuncOp model = *module->getOps<func::FuncOp>().begin();
  auto step = buildTrainStep(model, options);
  EXPECT_TRUE(succeeded(step));
  if (fused) {
    PassManager pm(&context);
    pm.addNestedPass<func::FuncOp>(createLipOptFuseProjection());
    EXPECT_TRUE(succeeded(pm.run(*module)));
    int count = 0;
    step->walk([&](lipopt::MuonSoftCapOp) { ++count; });
    EXPECT_EQ(count, 1) << "the soft-capped weight is fused";
  }

  // A learnable task: labels from a fixed random linear map of the inputs.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  Tensor x({16, 6}), y({16});
  for (double &v : x.data)
    v = normal(rng) / 2;
  for (int64_t r = 0; r < 16; ++r)
    y.data[r] = x.data[r * 6] > 0 ? (x.data[r * 6 + 1] > 0 ? 0 : 1) : 2;
  lipnum::clampTokenRms(x, 1.0);

  // Arguments in @train_step order: params, state, step, lr_scale (1: the
  // compiled rates), horizon (the compiled steps), inputs.
  std::vector<Tensor> args;
  unsigned stepIndex = 0;
  std::vector<double> guaranteed;
  unsigned params = 0;
  for (unsigned i = 0; i < step->getNumArguments(); ++i) {
    auto type = cast<RankedTensorType>(step->getArgument(i).getType());
    std::vector<int64_t> shape(type.getShape());
    Tensor t(shape);
    if (auto c = step->getArgAttrOfType<ConstraintAttr>(i, kConstraintAttrName)) {
      for (double &v : t.data)
        v = normal(rng) * 0.3;
      guaranteed.push_back(getConstraintGuarantee(c).normBound);
      ++params;
    } else if (auto what = step->getArgAttrOfType<StringAttr>(i, kStateAttrName);
               what && what.getValue() == "power_vector") {
      t.data.assign(t.data.size(), 1.0);
    } else if (what && what.getValue() == "step") {
      stepIndex = i;
    } else if (what && what.getValue() == "lr_scale") {
      t.data = {1.0};
    } else if (what && what.getValue() == "horizon") {
      t.data = {static_cast<double>(steps)};
    }
    args.push_back(t);
  }
  args[args.size() - 2] = x;
  args[args.size() - 1] = y;

  TrainingRun run;
  for (int s = 0; s < steps; ++s) {
    args[stepIndex] = Tensor({}, static_cast<double>(s));
    auto results = interpret(*step, args, {});
    EXPECT_TRUE(succeeded(results));
    if (failed(results))
      return run;
    run.losses.push_back((*results)[0].data[0]);
    // (loss, lr, new params..., new state...)
    for (unsigned i = 2; i < results->size(); ++i)
      args[i - 2] = (*results)[i];
    for (unsigned p = 0; p < params; ++p)
      run.worstRatio = std::max(run.worstRatio, rmsNorm(args[p]) / guaranteed[p]);
  }
  run.finalParams.assign(args.begin(), args.begin() + params);
  return run;
}

TEST(TrainStep, LossFallsAndConstraintsHoldAfterEveryStep) {
  TrainingRun run = train(/*fused=*/false, 40);
  ASSERT_EQ(run.losses.size(), 40u);
  EXPECT_LT(run.losses.back(), 0.7 * run.losses.front())
      << "loss " << run.losses.front() << " -> " << run.losses.back();
  EXPECT_LE(run.worstRatio, 1 + 1e-8) << "a weight left its guaranteed norm";
}

TEST(TrainStep, FusedUpdateEqualsTheUnfusedSequence) {
  TrainingRun plain = train(/*fused=*/false, 12), fused = train(/*fused=*/true, 12);
  ASSERT_EQ(plain.losses.size(), fused.losses.size());
  for (size_t s = 0; s < plain.losses.size(); ++s)
    EXPECT_NEAR(plain.losses[s], fused.losses[s], 1e-10 * std::fabs(plain.losses[s])) << s;
  for (size_t p = 0; p < plain.finalParams.size(); ++p)
    for (int64_t i = 0; i < plain.finalParams[p].numel(); ++i)
      EXPECT_NEAR(plain.finalParams[p].data[i], fused.finalParams[p].data[i], 1e-10) << p;
}
} // namespace
