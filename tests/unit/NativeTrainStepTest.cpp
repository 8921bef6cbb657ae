//===- NativeTrainStepTest.cpp - The compiled training step, called from C++ //
//
// `lipc --emit=obj` compiles tests/Conversion/Inputs/tiny-mlp.lip at build
// time; this test links that object and drives it with the runtime's
// CompiledStep (manifest, descriptors, packed entry point `lipc_train_step`)
// for a few steps, comparing every loss, weight and momentum with the
// reference interpreter running the same @train_step, then the logits of the
// compiled forward pass with the interpreter's @forward.
//
//===----------------------------------------------------------------------===//

#include "lipc/Driver/StepManifest.h"
#include "lipc/Driver/TrainPipeline.h"
#include "lipc/Pipelines/Codegen.h"
#include "lipc/Reference/Interpreter.h"
#include "lipspec/Parser.h"
#include "liprt/CompiledStep.h"
#include "liprt/StepArena.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

// The object's packed entry points and its manifest are declared by the
// contract header (lipc_abi.h, through liprt/CompiledStep.h).

namespace {
TEST(NativeTrainStep, MatchesTheReferenceInterpreter) {
  constexpr int64_t kBatch = 6, kSteps = 4;
  liprt::Result<liprt::CompiledStep> compiledStep =
      liprt::CompiledStep::create(lipc_manifest, lipc_train_step, lipc_forward);
  ASSERT_TRUE(bool(compiledStep)) << compiledStep.status().message();
  // Deterministic weights inside the cap, inputs and labels; momenta start at 0.
  std::vector<float> &in = compiledStep->tensor(0), &out = compiledStep->tensor(1);
  ASSERT_EQ(in.size(), 16u * 8);
  ASSERT_EQ(out.size(), 4u * 16);
  std::vector<float> x(kBatch * 8);
  std::vector<int32_t> y(kBatch);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = 0.2f * std::sin(0.7f * i + 0.3f);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = 0.2f * std::cos(0.9f * i);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.25f * (1 + std::sin(1.3f * i));
  for (int64_t i = 0; i < kBatch; ++i)
    y[i] = static_cast<int32_t>(i % 4);

  // The reference: the same @train_step in the interpreter, in double.
  mlir::MLIRContext context;
  mlir::DialectRegistry registry;
  mlir::lip::registerCodegenDialects(registry);
  context.appendDialectRegistry(registry);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*llvm::MemoryBuffer::getFile(LIPC_TINY_SPEC)), llvm::SMLoc());
  lipc::spec::Parser parser(sourceMgr.getMemoryBuffer(1)->getBuffer(),
                            [](llvm::SMLoc, const llvm::Twine &) {});
  lipc::spec::Spec ast = parser.parseSpec();
  auto compiled = lipc::spec::generateLip(ast, sourceMgr, context);
  ASSERT_TRUE(mlir::succeeded(compiled));
  ASSERT_TRUE(mlir::succeeded(lipc::buildTrainingModule(*compiled)));
  auto step = compiled->module->lookupSymbol<mlir::func::FuncOp>("train_step");
  ASSERT_TRUE(step);
  auto tensor = [](std::vector<int64_t> shape, const auto &data) {
    lipnum::Tensor t(std::move(shape));
    for (size_t i = 0; i < data.size(); ++i)
      t.data[i] = data[i];
    return t;
  };
  std::vector<float> zeros16x8(16 * 8, 0), zeros4x16(4 * 16, 0);
  std::vector<lipnum::Tensor> args = {
      tensor({16, 8}, in),        tensor({4, 16}, out),
      tensor({16, 8}, zeros16x8), tensor({4, 16}, zeros4x16),
      lipnum::Tensor(std::vector<int64_t>{}),
      // lr_scale and horizon: the run's (train --lr 0.025, --horizon 7).
      lipnum::Tensor(std::vector<int64_t>{}, 0.5), lipnum::Tensor(std::vector<int64_t>{}, 7.0),
      tensor({kBatch, 8}, x), tensor({kBatch}, y)};
  ASSERT_TRUE(compiledStep->setScheduleOverrides(0.5, 7).isOk());

  std::vector<double> losses;
  for (int64_t s = 0; s < kSteps; ++s) {
    liprt::Result<liprt::StepOutcome> outcome =
        compiledStep->run(static_cast<double>(s), kBatch, {x.data(), y.data()});
    ASSERT_TRUE(bool(outcome)) << outcome.status().message();
    args[4] = lipnum::Tensor(std::vector<int64_t>{}, static_cast<double>(s));
    auto expected = mlir::lip::interpret(step, args, {});
    ASSERT_TRUE(mlir::succeeded(expected));
    EXPECT_NEAR(outcome->loss, (*expected)[0].data[0], 1e-4 * std::fabs((*expected)[0].data[0]))
        << s;
    EXPECT_NEAR(outcome->lr, (*expected)[1].data[0], 1e-7) << s;
    losses.push_back(outcome->loss);
    for (unsigned i = 0; i < 4; ++i)
      args[i] = (*expected)[i + 2];
    for (unsigned t = 0; t < 4; ++t)
      for (size_t i = 0; i < args[t].data.size(); ++i)
        EXPECT_NEAR(compiledStep->tensor(t)[i], args[t].data[i], 1e-5)
            << "step " << s << ", argument " << t << "[" << i << "]";
  }
  // The wrong number of batch tensors is an error, not a call.
  EXPECT_FALSE(bool(compiledStep->run(kSteps, kBatch, {x.data()})));
  EXPECT_LT(losses.back(), losses.front());

  // The compiled forward pass with the trained weights: the interpreter's
  // logits from @forward on the same weights.
  liprt::Result<std::vector<float>> logits = compiledStep->forward(kBatch, {x.data()});
  ASSERT_TRUE(bool(logits)) << logits.status().message();
  auto forward = compiled->module->lookupSymbol<mlir::func::FuncOp>("forward");
  ASSERT_TRUE(forward);
  auto expected = mlir::lip::interpret(forward, {args[0], args[1], args[7]}, {});
  ASSERT_TRUE(mlir::succeeded(expected));
  ASSERT_EQ(logits->size(), size_t(kBatch * 4));
  for (size_t i = 0; i < logits->size(); ++i)
    EXPECT_NEAR((*logits)[i], (*expected)[0].data[i], 1e-5) << "logit " << i;
  EXPECT_FALSE(bool(compiledStep->forward(kBatch, {x.data(), y.data()})));
}

/// Bytes that crossed between the host and a StepMemory, by direction.
struct Traffic {
  static inline size_t in = 0, out = 0, within = 0;
  static void toDevice(void *memory, const void *host, size_t bytes) {
    in += bytes;
    std::memcpy(memory, host, bytes);
  }
  static void toHost(void *host, const void *memory, size_t bytes) {
    out += bytes;
    std::memcpy(host, memory, bytes);
  }
  static void copy(void *to, const void *from, size_t bytes) {
    within += bytes;
    std::memcpy(to, from, bytes);
  }
};

// A step whose parameters and state stay resident between calls, in memory
// the host reaches only through copies (as the GPU's device memory; here
// the step arena, which the compiled step also uses for its results, behind
// counting copies), trains bit for bit as the plain one: the values read
// back after a step, changes made through tensor() between steps, and the
// forward pass all agree. A step sends its batch and its scalar arguments
// (the step count: the step's host code reads no memory) and nothing else,
// and brings back the loss and the learning rate alone.
TEST(NativeTrainStep, ResidentStateTrainsTheSame) {
  constexpr int64_t kBatch = 5, kSteps = 3;
  static int allocations = 0, releases = 0;
  liprt::StepMemory host{[](size_t bytes) { return ++allocations, liprt::arena::allocate(bytes); },
                         [](void *p) { releases += p != nullptr, liprt::arena::release(p); },
                         Traffic::toDevice, Traffic::toHost, Traffic::copy, /*host=*/false, /*graphs=*/{}};
  liprt::Result<liprt::CompiledStep> plain =
      liprt::CompiledStep::create(lipc_manifest, lipc_train_step, lipc_forward);
  liprt::Result<liprt::CompiledStep> resident =
      liprt::CompiledStep::create(lipc_manifest, lipc_train_step, lipc_forward);
  ASSERT_TRUE(plain && resident);
  for (unsigned t = 0; t < 2; ++t)
    for (size_t i = 0; i < plain->tensor(t).size(); ++i)
      plain->tensor(t)[i] = resident->tensor(t)[i] = 0.1f * std::sin(0.37f * i + t);
  ASSERT_TRUE(resident->keepResident(host, lipc_train_step, lipc_forward).isOk());
  std::vector<float> x(kBatch * 8);
  std::vector<int32_t> y(kBatch);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::cos(0.8f * i);
  for (int64_t i = 0; i < kBatch; ++i)
    y[i] = static_cast<int32_t>((3 * i) % 4);
  auto sameState = [&](const char *when) {
    for (unsigned t = 0; t < 4; ++t)
      EXPECT_EQ(resident->values(t), plain->values(t)) << when << ", argument " << t;
  };
  size_t batchBytes = x.size() * sizeof(float) + y.size() * sizeof(int32_t);
  for (const liprt::StepTensor &a : resident->manifest().arguments)
    if (a.shape.empty())
      batchBytes += a.bytes(kBatch);
  for (int round = 0; round < 2; ++round) {
    for (int64_t s = 0; s < kSteps; ++s) {
      auto a = plain->run(static_cast<double>(s), kBatch, {x.data(), y.data()});
      size_t in = Traffic::in, out = Traffic::out;
      auto b = resident->run(static_cast<double>(s), kBatch, {x.data(), y.data()});
      ASSERT_TRUE(a && b) << (b ? a.status().message() : b.status().message());
      EXPECT_EQ(a->loss, b->loss) << "round " << round << ", step " << s;
      EXPECT_EQ(a->lr, b->lr);
      if (s > 0) { // the first step of a round also sends the weights changed on the host
        EXPECT_EQ(Traffic::in - in, batchBytes) << "only the batch and the scalars go in";
        EXPECT_EQ(Traffic::out - out, sizeof(float) + sizeof(double)) << "only the loss and the rate come out";
      }
    }
    sameState("after the steps");
    // A change made on the host reaches the resident step's next call.
    for (float &v : plain->tensor(1))
      v *= 0.5f;
    for (float &v : resident->tensor(1))
      v *= 0.5f;
  }
  auto a = plain->forward(kBatch, {x.data()});
  auto b = resident->forward(kBatch, {x.data()});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(resident->keepResident({}, lipc_train_step, lipc_forward).isOk());
  // The resident step staged its parameters, state and batches in that memory
  // and freed the buffers it replaced with the step's results.
  EXPECT_GE(allocations, 4 + 3);
  EXPECT_GT(releases, 2 * kSteps * 4);
}

// The step's buffers come from the step arena: after the first step, a step
// at the same batch size allocates nothing new from the system (every
// intermediate and result reuses a block an earlier step released), and
// every block it takes is released again.
TEST(NativeTrainStep, IntermediatesAreAllocatedOnce) {
  constexpr int64_t kBatch = 7;
  liprt::Result<liprt::CompiledStep> step =
      liprt::CompiledStep::create(lipc_manifest, lipc_train_step, lipc_forward);
  ASSERT_TRUE(bool(step)) << step.status().message();
  std::vector<float> x(kBatch * 8, 0.5f);
  std::vector<int32_t> y(kBatch, 1);
  auto runStep = [&](double s) {
    auto outcome = step->run(s, kBatch, {x.data(), y.data()});
    ASSERT_TRUE(bool(outcome)) << outcome.status().message();
  };
  uint64_t liveBefore = liprt::arena::stats().liveBytes;
  runStep(0);
  liprt::arena::resetStats();
  for (int s = 1; s <= 3; ++s)
    runStep(s);
  liprt::arena::Stats after = liprt::arena::stats();
  EXPECT_EQ(after.fresh, 0u) << after.freshBytes << " bytes newly allocated after the first step";
  EXPECT_GT(after.reused, 3u) << "the step does not allocate through the arena";
  EXPECT_EQ(after.liveBytes, liveBefore) << "a step kept arena blocks";
}

// carriedFinite sees a NaN wherever the weights are: set on the host, and
// made by a step (from a NaN in its batch) in the resident buffers only,
// read in place there.
TEST(NativeTrainStep, NonFiniteWeightsAreSeenWhereTheyLive) {
  constexpr int64_t kBatch = 3;
  liprt::Result<liprt::CompiledStep> step =
      liprt::CompiledStep::create(lipc_manifest, lipc_train_step, lipc_forward);
  ASSERT_TRUE(bool(step)) << step.status().message();
  ASSERT_TRUE(step->keepResidentInArena().isOk());
  std::vector<float> x(kBatch * 8, 0.5f);
  std::vector<int32_t> y(kBatch, 2);
  for (float &v : step->tensor(0))
    v = 0.01f;
  ASSERT_TRUE(bool(step->run(0, kBatch, {x.data(), y.data()})));
  EXPECT_TRUE(step->carriedFinite());
  x[5] = std::nanf("");
  ASSERT_TRUE(bool(step->run(1, kBatch, {x.data(), y.data()})));
  EXPECT_FALSE(step->carriedFinite()) << "a NaN the step wrote into the resident buffers";
  for (size_t i = 0; i < 2; ++i) {
    std::vector<float> &w = step->tensor(i);
    std::fill(w.begin(), w.end(), 0.01f);
  }
  for (size_t i = 2; i < 4; ++i) {
    std::vector<float> &state = step->tensor(i);
    std::fill(state.begin(), state.end(), 0.0f);
  }
  EXPECT_TRUE(step->carriedFinite()) << "finite values set on the host";
  step->tensor(1)[3] = std::nanf("");
  EXPECT_FALSE(step->carriedFinite()) << "a NaN set on the host";
}

// The shape and role of one manifest entry, as "role name [d0,d1]".
std::string summary(const llvm::json::Value &entry) {
  const llvm::json::Object &o = *entry.getAsObject();
  std::string s = o.getString("role")->str() + " " + o.getString("name").value_or("-").str() + " [";
  for (const llvm::json::Value &extent : *o.getArray("shape"))
    s += std::to_string(*extent.getAsInteger()) + ",";
  return s + "]";
}

TEST(StepManifest, TheLinkedObjectDescribesItsStep) {
  llvm::Expected<llvm::json::Value> manifest = llvm::json::parse(lipc_manifest);
  ASSERT_TRUE(bool(manifest)) << llvm::toString(manifest.takeError());
  const llvm::json::Object &root = *manifest->getAsObject();
  EXPECT_EQ(root.getInteger("version"), lipc::abi::kManifestVersion);
  EXPECT_EQ(root.getString("entry"), "lipc_train_step");
  std::vector<std::string> arguments, results;
  for (const llvm::json::Value &entry : *root.getArray("arguments"))
    arguments.push_back(summary(entry));
  for (const llvm::json::Value &entry : *root.getArray("results"))
    results.push_back(summary(entry));
  EXPECT_EQ(arguments, (std::vector<std::string>{"param in [16,8,]", "param out [4,16,]",
                                                 "state in [16,8,]", "state out [4,16,]",
                                                 "step - []", "lr_scale - []", "horizon - []", "input - [-1,8,]",
                                                 "labels - [-1,]"}));
  EXPECT_EQ(results, (std::vector<std::string>{"loss - []", "lr - []", "param in [16,8,]",
                                               "param out [4,16,]", "state in [16,8,]",
                                               "state out [4,16,]"}));
  const llvm::json::Object *constraint =
      (*root.getArray("arguments"))[0].getAsObject()->getObject("constraint");
  ASSERT_TRUE(constraint);
  EXPECT_EQ(constraint->getString("method"), "soft_cap");
  EXPECT_EQ(constraint->getNumber("w_max"), 1.0);
}

// Both sides of lipc_abi.h on the same object: every entry the compiler
// wrote is read by the runtime with the role the compiler spelled.
TEST(StepManifest, TheRuntimeReadsWhatTheCompilerWrote) {
  llvm::Expected<llvm::json::Value> written = llvm::json::parse(lipc_manifest);
  ASSERT_TRUE(bool(written)) << llvm::toString(written.takeError());
  liprt::Result<liprt::StepManifest> read = liprt::parseStepManifest(lipc_manifest);
  ASSERT_TRUE(read.isOk()) << read.status().message();
  const llvm::json::Object &root = *written->getAsObject();
  auto expectSameRoles = [](const llvm::json::Array &entries,
                            const std::vector<liprt::StepTensor> &tensors) {
    ASSERT_EQ(entries.size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i)
      EXPECT_EQ(entries[i].getAsObject()->getString("role")->str(),
                std::string(lipc::abi::roleName(tensors[i].role)))
          << "entry " << i;
  };
  expectSameRoles(*root.getArray("arguments"), read->arguments);
  expectSameRoles(*root.getArray("results"), read->results);
  const llvm::json::Object &forward = *root.getObject("forward");
  expectSameRoles(*forward.getArray("arguments"), read->forwardArguments);
  expectSameRoles(*forward.getArray("results"), read->forwardResults);
  EXPECT_TRUE(read->takesScheduleOverrides());
}

/// The diagnostic describeTrainStep gives for the module in `source`.
std::string manifestError(llvm::StringRef source) {
  mlir::MLIRContext context;
  context.loadDialect<mlir::func::FuncDialect, mlir::tensor::TensorDialect>();
  std::string diagnostic;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    diagnostic = d.str();
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return "unparsable: " + diagnostic;
  return mlir::failed(lipc::describeTrainStep(*module)) ? diagnostic : "no error";
}

TEST(StepManifest, RejectsStepsItCannotDescribe) {
  EXPECT_EQ(manifestError("func.func @f() { return }"),
            "the module has no @train_step to describe");
  EXPECT_EQ(manifestError(R"(func.func @train_step(%w: tensor<2xf32> {lip.param_name = "w"})
                                 -> (tensor<f32>, tensor<f64>, tensor<3xf32>) {
                               %0 = tensor.empty() : tensor<f32>
                               %1 = tensor.empty() : tensor<f64>
                               %2 = tensor.empty() : tensor<3xf32>
                               return %0, %1, %2 : tensor<f32>, tensor<f64>, tensor<3xf32> })"),
            "@train_step result 2 does not mirror argument 0");
  EXPECT_EQ(manifestError(R"(func.func @train_step(%w: tensor<2xf32> {lip.param_name = "w"})
                                 -> tensor<2xf32> { return %w : tensor<2xf32> })"),
            "@train_step result 2 does not mirror argument 0");
  EXPECT_EQ(manifestError(R"(func.func @train_step() -> tensor<2xf32> {
                               %0 = tensor.empty() : tensor<2xf32>
                               return %0 : tensor<2xf32> })"),
            "@train_step must return the loss, the learning rate and every updated parameter "
            "and state");
  EXPECT_EQ(manifestError("func.func @train_step(%x: f32) { return }"),
            "@train_step argument 0 is not a ranked tensor");
}
} // namespace
