//===- GradientCheckTest.cpp - Every op's VJP against finite differences --===//
//
// For each lip op: a small model that routes parameter gradients through the
// op, a mean cross-entropy loss, the gradient function built by autodiff, and
// a comparison of every checked parameter entry's gradient with a central
// finite difference of the loss, all evaluated by the reference interpreter
// in double precision. Whole models too: the tiny MLP and transformer.
//
//===----------------------------------------------------------------------===//

#include "lipc/Autodiff/Gradient.h"
#include "lipc/Reference/Interpreter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

using namespace mlir;
using namespace mlir::lip;
using lipnum::Tensor;

namespace {
/// Entries checked per parameter (all of them when it is smaller).
constexpr int64_t kEntriesPerParam = 24;

struct GradCase {
  const char *name;
  const char *source;
};

void PrintTo(const GradCase &c, std::ostream *os) { *os << c.name; }

int64_t labelLimit(Value arg) {
  for (Operation *user : arg.getUsers()) {
    if (auto e = dyn_cast<EmbeddingOp>(user))
      return e.getTable().getType().getDimSize(0);
    if (auto ce = dyn_cast<CrossEntropyOp>(user))
      return ce.getLogits().getType().getShape().back();
  }
  return 1;
}

/// Checks d(loss)/d(param) of `func` (returning logits) for every parameter.
void checkGradients(ModuleOp module, func::FuncOp func, uint64_t seed) {
  ASSERT_TRUE(succeeded(appendCrossEntropyLoss(func)));
  FailureOr<func::FuncOp> grad = buildGradientFunction(func);
  ASSERT_TRUE(succeeded(grad));

  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  ParamMap params;
  std::vector<std::string> order;
  func.walk([&](ParamOp p) {
    Tensor w(std::vector<int64_t>(p.getType().getShape()));
    for (double &v : w.data)
      v = normal(rng) * 1.5 / std::sqrt(static_cast<double>(p.getType().getDimSize(1)));
    params[p.getName().str()] = w;
    order.push_back(p.getName().str());
  });
  std::vector<Tensor> args;
  for (BlockArgument arg : func.getArguments()) {
    auto type = cast<RankedTensorType>(arg.getType());
    std::vector<int64_t> shape(type.getShape());
    for (int64_t &d : shape)
      d = ShapedType::isDynamic(d) ? 2 : d;
    Tensor t(shape);
    if (isa<FloatType>(type.getElementType())) {
      for (double &v : t.data)
        v = normal(rng);
    } else {
      std::uniform_int_distribution<int64_t> pick(0, labelLimit(arg) - 1);
      for (double &v : t.data)
        v = static_cast<double>(pick(rng));
    }
    args.push_back(t);
  }

  std::vector<Tensor> gradArgs;
  for (const std::string &name : order)
    gradArgs.push_back(params[name]);
  gradArgs.insert(gradArgs.end(), args.begin(), args.end());
  auto results = interpret(*grad, gradArgs, {});
  ASSERT_TRUE(succeeded(results));
  auto lossAt = [&](const ParamMap &p) { return (*interpret(func, args, p))[0].data[0]; };
  EXPECT_NEAR((*results)[0].data[0], lossAt(params), 1e-12) << "loss of the gradient function";

  for (auto [i, name] : llvm::enumerate(order)) {
    const Tensor &analytic = (*results)[i + 1];
    ASSERT_EQ(analytic.shape, params[name].shape) << name;
    std::uniform_int_distribution<int64_t> pick(0, analytic.numel() - 1);
    int64_t count = std::min<int64_t>(analytic.numel(), kEntriesPerParam);
    for (int64_t c = 0; c < count; ++c) {
      int64_t e = analytic.numel() <= kEntriesPerParam ? c : pick(rng);
      const double h = 1e-5;
      ParamMap plus = params, minus = params;
      plus[name].data[e] += h;
      minus[name].data[e] -= h;
      double numeric = (lossAt(plus) - lossAt(minus)) / (2 * h);
      EXPECT_NEAR(analytic.data[e], numeric, 1e-7 + 1e-5 * std::fabs(numeric))
          << name << "[" << e << "]";
    }
  }
  (void)module;
}

class GradientCheck : public ::testing::TestWithParam<GradCase> {};

TEST_P(GradientCheck, VjpMatchesFiniteDifferences) {
  MLIRContext context;
  context.loadDialect<LipDialect, func::FuncDialect, arith::ArithDialect>();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(GetParam().source, &context);
  ASSERT_TRUE(module);
  func::FuncOp func = *module->getOps<func::FuncOp>().begin();
  // Each seed differentiates its own copy, inside the module that owns it
  // (and the gradient built beside it).
  for (uint64_t seed : {1, 2}) {
    auto copy = cast<func::FuncOp>(func->clone());
    copy.setSymName((func.getSymName() + "_seed" + std::to_string(seed)).str());
    module->push_back(copy);
    checkGradients(*module, copy, seed);
  }
}

// Each model puts a parameter before the op under test, so the op's VJP is on
// the path of that parameter's gradient.
const GradCase kCases[] = {
    {"linear", R"mlir(
func.func @f(%x: tensor<2x3x5xf32>) -> tensor<2x3x4xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x5xf32>
  %y = lip.linear %x, %w : tensor<2x3x5xf32>, tensor<4x5xf32> -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
})mlir"},
    {"embedding", R"mlir(
func.func @f(%ids: tensor<2x5xi32>) -> tensor<2x5x6xf32> {
  %e = lip.param "e" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<7x6xf32>
  %y = lip.embedding %ids, %e : tensor<2x5xi32>, tensor<7x6xf32> -> tensor<2x5x6xf32>
  return %y : tensor<2x5x6xf32>
})mlir"},
    {"relu_abs_maxmin", R"mlir(
func.func @f(%x: tensor<3x6xf32>) -> tensor<3x6xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<6x6xf32>
  %v = lip.param "v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<6x6xf32>
  %h = lip.linear %x, %w : tensor<3x6xf32>, tensor<6x6xf32> -> tensor<3x6xf32>
  %a = lip.relu %h : tensor<3x6xf32>
  %b = lip.linear %a, %v : tensor<3x6xf32>, tensor<6x6xf32> -> tensor<3x6xf32>
  %c = lip.abs %b : tensor<3x6xf32>
  %d = lip.maxmin %c : tensor<3x6xf32>
  return %d : tensor<3x6xf32>
})mlir"},
    {"gelu_erf_and_tanh", R"mlir(
func.func @f(%x: tensor<3x6xf32>) -> tensor<3x6xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<6x6xf32>
  %h = lip.linear %x, %w : tensor<3x6xf32>, tensor<6x6xf32> -> tensor<3x6xf32>
  %a = lip.gelu %h scale 0.88581797 : tensor<3x6xf32>
  %b = lip.gelu %a tanh scale 1.5 : tensor<3x6xf32>
  return %b : tensor<3x6xf32>
})mlir"},
    {"add_scale_residual", R"mlir(
func.func @f(%x: tensor<3x6xf32>) -> tensor<3x6xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<6x6xf32>
  %v = lip.param "v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<6x6xf32>
  %h = lip.linear %x, %w : tensor<3x6xf32>, tensor<6x6xf32> -> tensor<3x6xf32>
  %g = lip.linear %h, %v : tensor<3x6xf32>, tensor<6x6xf32> -> tensor<3x6xf32>
  %s = lip.add %h, %g : tensor<3x6xf32>
  %t = lip.scale %s by -0.7 : tensor<3x6xf32>
  %r = lip.residual %h, %t alpha 0.3 : tensor<3x6xf32>
  return %r : tensor<3x6xf32>
})mlir"},
    {"attention_causal_rope", R"mlir(
func.func @f(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %wq = lip.param "q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wk = lip.param "k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wv = lip.param "v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %q = lip.linear %x, %wq : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
  %k = lip.linear %x, %wk : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
  %v = lip.linear %x, %wv : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
  %qh = lip.split_heads %q : tensor<2x4x8xf32> -> tensor<2x4x2x4xf32>
  %kh = lip.split_heads %k : tensor<2x4x8xf32> -> tensor<2x4x2x4xf32>
  %vh = lip.split_heads %v : tensor<2x4x8xf32> -> tensor<2x4x2x4xf32>
  %qr = lip.rope %qh base 10.0 : tensor<2x4x2x4xf32>
  %kr = lip.rope %kh base 10.0 : tensor<2x4x2x4xf32>
  %a = lip.attention %qr, %kr, %vh causal logit_scale 2.0 output_factor 0.3333333333333333 : tensor<2x4x2x4xf32>
  %m = lip.merge_heads %a : tensor<2x4x2x4xf32> -> tensor<2x4x8xf32>
  return %m : tensor<2x4x8xf32>
})mlir"},
    {"attention_bidirectional_shared_qk", R"mlir(
func.func @f(%x: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  %h = lip.linear %x, %w : tensor<1x3x4xf32>, tensor<4x4xf32> -> tensor<1x3x4xf32>
  %s = lip.split_heads %h : tensor<1x3x4xf32> -> tensor<1x3x1x4xf32>
  %a = lip.attention %s, %s, %s logit_scale 1.0 output_factor 1.0 : tensor<1x3x1x4xf32>
  %m = lip.merge_heads %a : tensor<1x3x1x4xf32> -> tensor<1x3x4xf32>
  return %m : tensor<1x3x4xf32>
})mlir"},
    {"flatten_mean_pool", R"mlir(
func.func @f(%x: tensor<2x3x4xf32>) -> tensor<2x5xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  %v = lip.param "v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<5x12xf32>
  %u = lip.param "u" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<5x4xf32>
  %h = lip.linear %x, %w : tensor<2x3x4xf32>, tensor<4x4xf32> -> tensor<2x3x4xf32>
  %f = lip.flatten %h : tensor<2x3x4xf32> -> tensor<2x12xf32>
  %a = lip.linear %f, %v : tensor<2x12xf32>, tensor<5x12xf32> -> tensor<2x5xf32>
  %p = lip.mean_pool %h : tensor<2x3x4xf32> -> tensor<2x4xf32>
  %b = lip.linear %p, %u : tensor<2x4xf32>, tensor<5x4xf32> -> tensor<2x5xf32>
  %y = lip.add %a, %b : tensor<2x5xf32>
  return %y : tensor<2x5xf32>
})mlir"},
};

INSTANTIATE_TEST_SUITE_P(Ops, GradientCheck, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<GradCase> &info) {
                           return std::string(info.param.name);
                         });

std::string readInput(const std::string &name) {
  std::ifstream in(std::string(LIPC_TEST_INPUTS) + "/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void checkModelFile(const std::string &file, const std::string &funcName) {
  MLIRContext context;
  context.loadDialect<LipDialect, func::FuncDialect, arith::ArithDialect>();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(readInput(file), &context);
  ASSERT_TRUE(module);
  auto func = module->lookupSymbol<func::FuncOp>(funcName);
  ASSERT_TRUE(func);
  checkGradients(*module, func, 3);
}

TEST(GradientCheckModels, Mlp) { checkModelFile("mlp-tiny.mlir", "mlp"); }
TEST(GradientCheckModels, TransformerFromTokens) { checkModelFile("gpt-tiny.mlir", "gpt"); }
// The positional tables' gradients flow through lip.positions' rows.
TEST(GradientCheckModels, PositionalAttention) {
  checkModelFile("positional-tiny.mlir", "positional");
}
// lip.concat hands each part its slice of the gradient.
TEST(GradientCheckModels, TokensBesidePooledTokens) { checkModelFile("concat-tiny.mlir", "pooled"); }
TEST(GradientCheckModels, SeparateContentHeads) {
  checkModelFile("concat-tiny.mlir", "separate_heads");
}
} // namespace
