//===- CompiledStepTest.cpp - The runtime's driver of compiled steps ------===//
//
// The manifest reader's checks, and CompiledStep against a hand-written step
// with the calling convention of a compiled one (packed descriptors, results
// allocated by the step, a transposed layout), so the runtime's side is
// tested without the compiler, the recording of a step as a graph included
// (on a host stand-in for the GPU). NativeTrainStepTest drives a real one.
//
//===----------------------------------------------------------------------===//

#include "liprt/CompiledStep.h"
#include "liprt/StepArena.h"
#include "liprt/Init.h"
#include "liprt/MemoryEstimate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>

using namespace liprt;

namespace {
/// A step with one 2x3 parameter `w`, one input [-1, 3] and labels [-1].
std::string manifest(const std::string &paramDtype = "f32", const std::string &version = "4",
                     const std::string &resultName = "w", const std::string &norm = "rms_to_rms") {
  return R"({"format":"lipc-step-manifest","version":)" + version + R"(,"entry":"lipc_train_step",
    "arguments":[
      {"role":"param","name":"w","dtype":")" + paramDtype + R"(","shape":[2,3],
       "constraint":{"method":"soft_cap","w_max":2,"norm":")" + norm + R"("}},
      {"role":"step","dtype":"f64","shape":[]},
      {"role":"input","dtype":"f32","shape":[-1,3]},
      {"role":"labels","dtype":"i32","shape":[-1]}],
    "results":[{"role":"loss","dtype":"f32","shape":[]},{"role":"lr","dtype":"f64","shape":[]},
      {"role":"param","name":")" + resultName + R"(","dtype":"f32","shape":[2,3]}]})";
}

std::string parseError(const std::string &text) {
  Result<StepManifest> m = parseStepManifest(text);
  return m ? "no error" : m.status().message();
}

TEST(CompiledStep, ReadsTheManifest) {
  Result<StepManifest> m = parseStepManifest(manifest());
  ASSERT_TRUE(bool(m)) << m.status().message();
  ASSERT_EQ(m->arguments.size(), 4u);
  EXPECT_EQ(m->arguments[0].constraintMethod, "soft_cap");
  EXPECT_EQ(m->arguments[0].wMax, 2.0);
  EXPECT_EQ(m->arguments[2].elements(5), 15);
}

/// manifest() with `extra` members appended to its root object.
std::string withMembers(const std::string &extra) {
  std::string m = manifest();
  return m.substr(0, m.rfind('}')) + "," + extra + "}";
}

constexpr const char *kForwardArguments =
    R"("arguments":[{"role":"param","name":"w","dtype":"f32","shape":[2,3]},
                    {"role":"input","dtype":"f32","shape":[-1,3]}])";

TEST(CompiledStep, ReadsTheForwardPassAndTrainDefaults) {
  Result<StepManifest> m = parseStepManifest(withMembers(
      std::string(R"("forward":{)") + kForwardArguments +
      R"(,"results":[{"role":"logits","dtype":"f32","shape":[-1,2]}]},
         "train":{"steps":7,"batch":3,"seed":1,"eval_every":2,"precision":"tf32",
                  "data":{"kind":"text","path":"t.txt","split":0.5}})"));
  ASSERT_TRUE(bool(m)) << m.status().message();
  EXPECT_TRUE(m->hasForward());
  EXPECT_EQ(m->forwardResults[0].elements(4), 8);
  EXPECT_EQ(m->train.steps, 7);
  EXPECT_EQ(m->train.batch, 3);
  EXPECT_EQ(m->train.evalEvery, 2);
  EXPECT_EQ(m->train.dataKind, "text");
  EXPECT_EQ(m->train.dataPath, "t.txt");
  EXPECT_EQ(m->train.split, 0.5);
  EXPECT_EQ(m->train.products, lipc::abi::ProductPrecision::Tf32);
  EXPECT_EQ(parseStepManifest(manifest())->train.products, lipc::abi::ProductPrecision::Fp32);
  EXPECT_FALSE(parseStepManifest(manifest())->hasForward());
}

// The memory a step needs grows with the batch, and an absurd batch gives an
// absurd estimate (doubles, no wrap-around): refused before any allocation.
TEST(CompiledStep, EstimatesTheMemoryOfABatch) {
  Result<StepManifest> m = parseStepManifest(withMembers(
      std::string(R"("forward":{)") + kForwardArguments +
      R"(,"results":[{"role":"logits","dtype":"f32","shape":[-1,2]}]})"));
  ASSERT_TRUE(bool(m)) << m.status().message();
  // w twice (24 bytes each); per sample the input (12), the label (4), the
  // output of w's layer (its smaller extent, 2 floats) and the logits (8).
  EXPECT_EQ(estimateStepBytes(*m, 10), 48 + 10 * 32);
  EXPECT_TRUE(checkBatchFits(*m, 10, 368).isOk());
  Status tooLarge = checkBatchFits(*m, 11, 368);
  ASSERT_FALSE(tooLarge.isOk());
  EXPECT_NE(tooLarge.message().find("a step on a batch of 11 needs at least"), std::string::npos);
  EXPECT_NE(tooLarge.message().find("give a smaller --batch"), std::string::npos);
  EXPECT_GT(estimateStepBytes(*m, INT64_MAX), 1e20);
  EXPECT_GT(physicalMemoryBytes(), 0);
}

TEST(CompiledStep, RejectsBadForwardAndTrainMembers) {
  EXPECT_EQ(parseError(withMembers(R"("forward":{"arguments":[],"results":[
                                      {"role":"logits","dtype":"f32","shape":[-1,2]}]})")),
            "step manifest: the forward arguments are not the step's parameters and inputs");
  EXPECT_EQ(parseError(withMembers(std::string(R"("forward":{)") + kForwardArguments +
                                   R"(,"results":[{"role":"loss","dtype":"f32","shape":[]}]})")),
            "step manifest: the forward pass must return one logits tensor");
  EXPECT_EQ(parseError(withMembers(std::string(R"("forward":{)") + kForwardArguments +
                                   R"(,"results":[{"role":"logits","dtype":"f64","shape":[]}]})")),
            "step manifest: forward results 0: the logits must be f32");
  EXPECT_EQ(parseError(withMembers(R"("train":{"steps":-1})")),
            "step manifest: train: 'steps' is not a count");
  EXPECT_EQ(parseError(withMembers(R"("train":{"data":{"kind":"text","split":1.5}})")),
            "step manifest: train: malformed data setting");
  EXPECT_EQ(parseError(withMembers(R"("train":{"precision":"fp16"})")),
            "step manifest: train: 'precision' is not fp32, bf16 or tf32");
  EXPECT_EQ(parseError(withMembers(R"("train":{"precision":16})")),
            "step manifest: train: 'precision' is not fp32, bf16 or tf32");
}

TEST(CompiledStep, RejectsBadManifests) {
  EXPECT_EQ(parseError("{"), "step manifest: parse error at line 1, column 2: syntax error while "
                             "parsing object key - unexpected end of input; expected string "
                             "literal");
  // The runtime's rules on top of JSON's: no key twice, bounded nesting.
  EXPECT_EQ(parseError(R"({"format":"lipc-step-manifest","format":"x"})"),
            "step manifest: the key \"format\" appears twice in an object");
  EXPECT_EQ(parseError(std::string(40, '[') + std::string(40, ']')),
            "step manifest: nested more than 32 levels deep");
  EXPECT_EQ(parseError(R"({"format":"other","version":1})"),
            "step manifest: not a lipc step manifest");
  EXPECT_EQ(parseError(manifest("f32", "1")),
            "step manifest: version 1, this runtime reads version 4");
  EXPECT_EQ(parseError(manifest("f16")), "step manifest: arguments 0: unsupported dtype 'f16'");
  EXPECT_EQ(parseError(manifest("i32")),
            "step manifest: arguments 0: parameters and state must be f32");
  EXPECT_EQ(parseError(manifest("f32", "4", "v")),
            "step manifest: the results are not the loss and the learning rate followed by the "
            "updated parameters and state");
}

/// The data pointer of a memref descriptor.
void *pointer(void *descriptor) {
  void *p;
  std::memcpy(&p, &static_cast<int64_t *>(descriptor)[1], sizeof(void *));
  return p;
}

/// Fills the results struct of the hand-written steps below with the loss,
/// the learning rate and w, `transposed` (strides 1, 2) or row-major.
void packResults(int64_t *results, float *loss, double *lr, float *w, bool transposed) {
  // loss, lr: allocated, aligned, offset; w: allocated, aligned, offset, sizes, strides.
  int64_t words[13] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, transposed ? 1 : 3, transposed ? 2 : 1};
  std::memcpy(&words[0], &loss, sizeof(void *));
  std::memcpy(&words[1], &loss, sizeof(void *));
  std::memcpy(&words[3], &lr, sizeof(void *));
  std::memcpy(&words[4], &lr, sizeof(void *));
  std::memcpy(&words[6], &w, sizeof(void *));
  std::memcpy(&words[7], &w, sizeof(void *));
  std::memcpy(results, words, sizeof(words));
}

/// The hand-written step: loss = step + x[0][0] + labels[1], lr = step / 4,
/// and w becomes w + 1, returned transposed (strides 1, 2) in a buffer it
/// allocates from the step arena, as compiled steps do.
void fakeStep(void **args) {
  auto *results = static_cast<int64_t *>(args[0]);
  const float *w = static_cast<const float *>(pointer(args[1]));
  double step = *static_cast<const double *>(pointer(args[2]));
  const float *x = static_cast<const float *>(pointer(args[3]));
  const int32_t *y = static_cast<const int32_t *>(pointer(args[4]));
  auto *loss = static_cast<float *>(liprt::arena::allocate(sizeof(float)));
  *loss = static_cast<float>(step + x[0] + y[1]);
  auto *lr = static_cast<double *>(liprt::arena::allocate(sizeof(double)));
  *lr = step / 4;
  auto *wt = static_cast<float *>(liprt::arena::allocate(6 * sizeof(float)));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      wt[j * 2 + i] = w[i * 3 + j] + 1;
  packResults(results, loss, lr, wt, /*transposed=*/true);
}

/// The same step, claiming to return w as 3x2.
void wrongShapeStep(void **args) {
  fakeStep(args);
  auto *results = static_cast<int64_t *>(args[0]);
  results[9] = 3;
  results[10] = 2;
}

TEST(CompiledStep, RunsAStepAndTakesItsResultsBack) {
  Result<CompiledStep> step = CompiledStep::create(manifest(), fakeStep);
  ASSERT_TRUE(bool(step)) << step.status().message();
  std::vector<float> &w = step->tensor(0);
  ASSERT_EQ(w.size(), 6u);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<float>(i);
  std::vector<float> x = {0.5f, 0, 0, 0, 0, 0};
  std::vector<int32_t> y = {3, 7};
  Result<StepOutcome> loss = step->run(10, 2, {x.data(), y.data()});
  ASSERT_TRUE(bool(loss)) << loss.status().message();
  EXPECT_EQ(loss->loss, 17.5);
  EXPECT_EQ(loss->lr, 2.5);
  EXPECT_EQ(w, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(bool(step->run(0, 0, {x.data(), y.data()})));
  EXPECT_FALSE(bool(step->run(0, 2, {x.data(), y.data(), y.data()})));
}

/// manifest() with the schedule's run-time arguments after the step, a
/// soft cap that allows lr scales up to 2, and a schedule of 10 steps after
/// 3 of warm-up at base rate 0.1.
std::string manifestWithScheduleArguments(const std::string &scaleDtype = "f64") {
  std::string m = manifest();
  const std::string step = R"({"role":"step","dtype":"f64","shape":[]},)";
  m.insert(m.find(step) + step.size(),
           R"({"role":"lr_scale","dtype":")" + scaleDtype +
               R"(","shape":[]},{"role":"horizon","dtype":"f64","shape":[]},)");
  return m.substr(0, m.rfind('}')) +
         R"(,"max_lr_scale":2,"train":{"steps":10,"warmup":3,"lr":0.1}})";
}

/// fakeStep with lr = lr_scale * (horizon - step).
void scheduleStep(void **args) {
  auto scalar = [&](int i) {
    double *p;
    std::memcpy(&p, &static_cast<int64_t *>(args[i])[1], sizeof(void *));
    return *p;
  };
  void *shifted[] = {args[0], args[1], args[2], args[5], args[6]};
  fakeStep(shifted);
  double *lr;
  std::memcpy(&lr, &static_cast<int64_t *>(args[0])[3], sizeof(void *));
  *lr = scalar(3) * (scalar(4) - scalar(2));
}

// train --lr and --horizon reach the step as its lr_scale and horizon
// arguments: 1 and the spec's steps unless set, a scale only up to the
// soft cap's limit, a horizon only beyond the warm-up.
TEST(CompiledStep, PassesTheRunsLearningRateScaleAndHorizon) {
  Result<StepManifest> m = parseStepManifest(manifestWithScheduleArguments());
  ASSERT_TRUE(bool(m)) << m.status().message();
  EXPECT_TRUE(m->takesScheduleOverrides());
  EXPECT_EQ(m->maxLrScale, 2);
  EXPECT_EQ(m->train.warmup, 3);
  EXPECT_EQ(m->train.lr, 0.1);
  Result<CompiledStep> step = CompiledStep::create(manifestWithScheduleArguments(), scheduleStep);
  ASSERT_TRUE(bool(step)) << step.status().message();
  std::vector<float> x(6, 0);
  std::vector<int32_t> y = {0, 0};
  EXPECT_EQ(step->run(4, 2, {x.data(), y.data()})->lr, 6); // 1 * (10 - 4)
  Status tooFast = step->setScheduleOverrides(2.5, 20);
  ASSERT_FALSE(tooFast.isOk());
  EXPECT_NE(tooFast.message().find("beyond the guarantee of a soft or hard cap"), std::string::npos);
  Status tooShort = step->setScheduleOverrides(1.5, 3);
  ASSERT_FALSE(tooShort.isOk());
  EXPECT_EQ(tooShort.message(),
            "the schedule's horizon (3 steps) must exceed its warm-up (3 steps)");
  EXPECT_FALSE(step->setScheduleOverrides(0, 20).isOk());
  ASSERT_TRUE(step->setScheduleOverrides(1.5, 20).isOk());
  EXPECT_EQ(step->run(4, 2, {x.data(), y.data()})->lr, 24); // 1.5 * (20 - 4)
  EXPECT_EQ(step->lrScale(), 1.5);
  EXPECT_EQ(step->horizon(), 20);

  Result<CompiledStep> plain = CompiledStep::create(manifest(), fakeStep);
  ASSERT_TRUE(bool(plain));
  EXPECT_FALSE(plain->manifest().takesScheduleOverrides());
  EXPECT_EQ(plain->setScheduleOverrides(1.5, 20).message(),
            "this step has no learning-rate scale or horizon to set");
}

TEST(CompiledStep, RejectsBadScheduleArguments) {
  EXPECT_EQ(parseError(manifestWithScheduleArguments("f32")),
            "step manifest: arguments 2: the lr_scale must be a scalar f64");
  EXPECT_EQ(parseError(withMembers(R"("max_lr_scale":-1)")),
            "step manifest: 'max_lr_scale' is not a positive number");
  EXPECT_EQ(parseError(withMembers(R"("train":{"lr":"fast"})")),
            "step manifest: train: 'lr' is not a positive number");
  EXPECT_EQ(parseError(withMembers(R"("train":{"warmup":1.5})")),
            "step manifest: train: 'warmup' is not a count");
}

TEST(CompiledStep, ReportsAResultOfTheWrongShape) {
  Result<CompiledStep> step = CompiledStep::create(manifest(), wrongShapeStep);
  ASSERT_TRUE(bool(step));
  std::vector<float> x(6, 0);
  std::vector<int32_t> y = {0, 0};
  Result<StepOutcome> loss = step->run(0, 2, {x.data(), y.data()});
  ASSERT_FALSE(bool(loss));
  EXPECT_EQ(loss.status().message(),
            "the compiled step returned param 'w' with a different shape than its manifest");
  EXPECT_EQ(step->tensor(0), std::vector<float>(6, 0)) << "the parameters are left as they were";
}

/// A host stand-in for a GPU's stream and memory with CUDA graphs: queued
/// work runs at once, or is recorded while capturing; a recorded graph runs
/// its work again when launched and keeps the blocks its capture released
/// until it is dropped, as liprt/Cuda.h's graphs do. Copies between the host
/// and this memory while recording are counted as misuse: a graph would
/// freeze them.
struct Stream {
  struct Graph {
    std::vector<std::function<void()>> work;
    std::vector<void *> blocks;
  };
  static inline Graph *recording = nullptr;
  static inline bool failRecording = false;
  static inline int hostCalls = 0, launches = 0, graphsLive = 0, misuse = 0, blocksLive = 0;

  static void reset(bool fail = false) {
    failRecording = fail;
    hostCalls = launches = graphsLive = misuse = blocksLive = 0;
  }
  static void queue(std::function<void()> work) {
    if (recording)
      recording->work.push_back(std::move(work));
    else
      work();
  }
  static void *allocate(size_t bytes) { return ++blocksLive, std::malloc(bytes); }
  static void release(void *block) {
    if (!block)
      return;
    if (recording) {
      recording->blocks.push_back(block);
      return;
    }
    --blocksLive;
    std::free(block);
  }
  static void toDevice(void *memory, const void *host, size_t bytes) {
    misuse += recording != nullptr;
    std::vector<char> copy(static_cast<const char *>(host), static_cast<const char *>(host) + bytes);
    queue([memory, copy] { std::memcpy(memory, copy.data(), copy.size()); });
  }
  static void toHost(void *host, const void *memory, size_t bytes) {
    misuse += recording != nullptr;
    std::memcpy(host, memory, bytes);
  }
  static void within(void *to, const void *from, size_t bytes) {
    queue([=] { std::memcpy(to, from, bytes); });
  }
  static bool begin() {
    recording = new Graph;
    return true;
  }
  static void *end(std::string &why) {
    Graph *graph = std::exchange(recording, nullptr);
    if (failRecording) {
      why = "no graphs here";
      for (void *block : graph->blocks)
        release(block);
      delete graph;
      return nullptr;
    }
    ++graphsLive;
    return graph;
  }
  static bool launch(void *graph) {
    ++launches;
    for (auto &work : static_cast<Graph *>(graph)->work)
      work();
    return true;
  }
  static void drop(void *graph) {
    --graphsLive;
    for (void *block : static_cast<Graph *>(graph)->blocks)
      release(block);
    delete static_cast<Graph *>(graph);
  }
  static StepMemory memory() {
    return {allocate, release, toDevice, toHost, within, /*host=*/false, {begin, end, launch, drop}};
  }
};

/// fakeStep as a compiled GPU step runs it: its host code reads only the
/// descriptors, allocates its results (dense, as compiled steps return
/// them) and a temporary it frees, and queues the work, which reads the
/// step count, the batch and w when it runs.
void queuedStep(void **args) {
  ++Stream::hostCalls;
  const float *w = static_cast<const float *>(pointer(args[1]));
  const double *step = static_cast<const double *>(pointer(args[2]));
  const float *x = static_cast<const float *>(pointer(args[3]));
  const int32_t *y = static_cast<const int32_t *>(pointer(args[4]));
  auto *loss = static_cast<float *>(Stream::allocate(sizeof(float)));
  auto *lr = static_cast<double *>(Stream::allocate(sizeof(double)));
  auto *next = static_cast<float *>(Stream::allocate(6 * sizeof(float)));
  auto *sum = static_cast<double *>(Stream::allocate(sizeof(double)));
  Stream::queue([=] { *sum = *step + x[0]; });
  Stream::queue([=] {
    *loss = static_cast<float>(*sum + y[1]);
    *lr = *step / 4;
    for (int i = 0; i < 6; ++i)
      next[i] = w[i] + 1;
  });
  Stream::release(sum);
  packResults(static_cast<int64_t *>(args[0]), loss, lr, next, /*transposed=*/false);
}

/// Runs `plain` and `graphed` at steps [first, first + count) on batches of
/// `batch` that differ from step to step; both must agree.
void runBoth(CompiledStep &plain, CompiledStep &graphed, int first, int count, int64_t batch) {
  for (int s = first; s < first + count; ++s) {
    std::vector<float> x(batch * 3, 0.5f);
    std::vector<int32_t> y(batch, 0);
    x[0] = 0.25f * s;
    y[1] = s % 5;
    Result<StepOutcome> a = plain.run(s, batch, {x.data(), y.data()});
    Result<StepOutcome> b = graphed.run(s, batch, {x.data(), y.data()});
    ASSERT_TRUE(a && b) << (a ? b.status().message() : a.status().message());
    EXPECT_EQ(a->loss, b->loss) << "step " << s << ": the batch and the step count reach the work";
    EXPECT_EQ(a->lr, b->lr) << "step " << s;
    EXPECT_EQ(plain.values(0), graphed.values(0)) << "step " << s << ": w is where the next step reads it";
  }
}

// The graph bookkeeping of a resident step: the first step at a batch size
// runs its host code, the second is recorded and launched, every later one
// is a launch of the recording alone (its scalars and batch staged into the
// buffers it was recorded over, its new w copied back into w's buffer), and
// the results agree with the plain step's throughout: across a change made
// on the host, a new batch size (recorded anew) and a switch to no graphs.
// Every block and graph is freed at the end.
TEST(StepGraph, RecordsTheSecondStepAndReplaysTheRest) {
  Stream::reset();
  {
    Result<CompiledStep> plain = CompiledStep::create(manifest(), fakeStep);
    Result<CompiledStep> graphed = CompiledStep::create(manifest(), queuedStep);
    ASSERT_TRUE(plain && graphed);
    for (size_t i = 0; i < 6; ++i)
      plain->tensor(0)[i] = graphed->tensor(0)[i] = 0.5f * i;
    ASSERT_TRUE(graphed->keepResident(Stream::memory(), queuedStep, nullptr).isOk());
    runBoth(*plain, *graphed, 0, 6, 2);
    EXPECT_EQ(Stream::hostCalls, 2) << "the first step runs its host code, the second is recorded";
    EXPECT_EQ(Stream::launches, 5);
    EXPECT_TRUE(graphed->replaysAt(2));
    EXPECT_FALSE(graphed->replaysAt(3));

    plain->tensor(0)[4] = graphed->tensor(0)[4] = -3;
    runBoth(*plain, *graphed, 6, 2, 2);
    EXPECT_EQ(Stream::hostCalls, 2) << "a change made on the host reaches the recording";

    runBoth(*plain, *graphed, 8, 3, 3);
    EXPECT_EQ(Stream::hostCalls, 4) << "a new batch size: host code once, then recorded";
    EXPECT_EQ(Stream::launches, 7 + 2);
    EXPECT_EQ(Stream::graphsLive, 1) << "the recording at the old size is dropped";

    graphed->withoutGraphs();
    EXPECT_EQ(Stream::graphsLive, 0);
    runBoth(*plain, *graphed, 11, 2, 3);
    EXPECT_EQ(Stream::hostCalls, 6);
    EXPECT_EQ(Stream::misuse, 0) << "nothing crosses to or from the host while recording";
  }
  EXPECT_EQ(Stream::graphsLive, 0);
  EXPECT_EQ(Stream::blocksLive, 0) << "every block is freed, those the recordings kept included";
}

// A resident step takes its new parameters and state as dense buffers: a
// strided one is an error, never values read out of order.
TEST(CompiledStep, AResidentStepRejectsAStridedResult) {
  Result<CompiledStep> step = CompiledStep::create(manifest(), fakeStep);
  ASSERT_TRUE(bool(step));
  ASSERT_TRUE(step->keepResidentInArena().isOk());
  std::vector<float> x(6, 0);
  std::vector<int32_t> y = {0, 0};
  Result<StepOutcome> loss = step->run(0, 2, {x.data(), y.data()});
  ASSERT_FALSE(bool(loss));
  EXPECT_EQ(loss.status().message(), "the compiled step returned param 'w' in a layout other than dense "
                                     "row-major, which a resident step cannot take");
}

// Memory that cannot record a step says so once and runs every step
// through its host code, with the same results.
TEST(StepGraph, AStepThatCannotBeRecordedRunsItsHostCode) {
  Stream::reset(/*fail=*/true);
  {
    Result<CompiledStep> plain = CompiledStep::create(manifest(), fakeStep);
    Result<CompiledStep> graphed = CompiledStep::create(manifest(), queuedStep);
    ASSERT_TRUE(plain && graphed);
    ASSERT_TRUE(graphed->keepResident(Stream::memory(), queuedStep, nullptr).isOk());
    testing::internal::CaptureStderr();
    runBoth(*plain, *graphed, 0, 4, 2);
    std::string said = testing::internal::GetCapturedStderr();
    EXPECT_EQ(said, "liprt: the step could not be recorded as a graph (no graphs here); every step runs "
                    "its host code\n");
    EXPECT_EQ(Stream::hostCalls, 4 + 1) << "4 steps, and the failed recording";
    EXPECT_FALSE(graphed->replaysAt(2));
  }
  EXPECT_EQ(Stream::blocksLive, 0);
}
} // namespace

namespace {
/// Checks that the Gram matrix of the row-major rows x cols `w` on its
/// smaller side (W W^T when wide, W^T W when tall) is `scale` times I.
void expectScaledIdentity(const std::vector<float> &w, int rows, int cols, double scale) {
  bool wide = rows <= cols;
  int side = wide ? rows : cols, length = wide ? cols : rows;
  auto at = [&](int vector, int k) { return wide ? w[vector * cols + k] : w[k * cols + vector]; };
  for (int i = 0; i < side; ++i)
    for (int j = 0; j < side; ++j) {
      double dot = 0;
      for (int k = 0; k < length; ++k)
        dot += at(i, k) * at(j, k);
      EXPECT_NEAR(dot, i == j ? scale : 0.0, 1e-6) << i << "," << j;
    }
}

TEST(CompiledStep, InitializesMatricesWithRmsNormOne) {
  Result<CompiledStep> step = CompiledStep::create(manifest(), fakeStep);
  ASSERT_TRUE(bool(step));
  ASSERT_TRUE(initializeParameters(*step, 7).isOk());
  // w is 2x3 with semi-orthogonal rows scaled by sqrt(2/3): W W^T = (2/3) I.
  expectScaledIdentity(step->tensor(0), 2, 3, 2.0 / 3.0);
  std::vector<float> first = step->tensor(0);
  ASSERT_TRUE(initializeParameters(*step, 7).isOk());
  EXPECT_EQ(step->tensor(0), first) << "the same seed gives the same weights";
  ASSERT_TRUE(initializeParameters(*step, 8).isOk());
  EXPECT_NE(step->tensor(0), first);
}

// `"init":"zero"` starts a parameter at zero; anything else there is a
// manifest error.
TEST(CompiledStep, InitializesZeroInitParametersToZero) {
  std::string zero = manifest();
  zero.replace(zero.find(R"("shape":[2,3],)"), 14, R"("shape":[2,3],"init":"zero",)");
  Result<CompiledStep> step = CompiledStep::create(zero, fakeStep);
  ASSERT_TRUE(bool(step)) << step.status().message();
  step->tensor(0).assign(6, 5.0f);
  ASSERT_TRUE(initializeParameters(*step, 7).isOk());
  EXPECT_EQ(step->tensor(0), std::vector<float>(6, 0.0f));
  std::string other = zero;
  other.replace(other.find(R"("init":"zero")"), 13, R"("init":"ones")");
  EXPECT_EQ(parseError(other),
            "step manifest: arguments 0: 'init' is \"zero\" on a parameter or absent");
}

TEST(CompiledStep, InitializesTallMatricesWithOrthogonalColumns) {
  std::string tall = manifest();
  for (size_t at; (at = tall.find("[2,3]")) != std::string::npos;)
    tall.replace(at, 5, "[3,2]");
  Result<CompiledStep> step = CompiledStep::create(tall, fakeStep);
  ASSERT_TRUE(bool(step)) << step.status().message();
  ASSERT_TRUE(initializeParameters(*step, 3).isOk());
  // W is 3x2: W^T W = (3/2) I, so sigma_max sqrt(fan_in/fan_out) = 1.
  expectScaledIdentity(step->tensor(0), 3, 2, 1.5);
}

TEST(CompiledStep, InitializesEmbeddingRowsToRmsOne) {
  Result<CompiledStep> step = CompiledStep::create(manifest("f32", "4", "w", "l1_to_rms"), fakeStep);
  ASSERT_TRUE(bool(step)) << step.status().message();
  ASSERT_TRUE(initializeParameters(*step, 1).isOk());
  const std::vector<float> &w = step->tensor(0);
  for (int r = 0; r < 2; ++r) {
    double sum = 0;
    for (int c = 0; c < 3; ++c)
      sum += w[r * 3 + c] * w[r * 3 + c];
    EXPECT_NEAR(std::sqrt(sum / 3), 1.0, 1e-6) << r;
  }
}
} // namespace

namespace {
// liprt's stand-in for MLIR's runtime copy (runtime/src/MemrefCopy.cpp),
// declared by CRunnerUtils.h through lipc_abi.h.
TEST(CompiledStep, MemrefCopyFollowsStrides) {
  // Source: a 2x3 row-major matrix at offset 1; target: its 2x3 transposed
  // storage (strides 1, 2).
  float from[7] = {-1, 1, 2, 3, 4, 5, 6}, to[6] = {};
  lipc::abi::Descriptor<float, 2> source{from, from, 1, {2, 3}, {3, 1}};
  lipc::abi::Descriptor<float, 2> target{to, to, 0, {2, 3}, {1, 2}};
  UnrankedMemRefType<char> unrankedSource{2, &source}, unrankedTarget{2, &target};
  memrefCopy(sizeof(float), &unrankedSource, &unrankedTarget);
  EXPECT_EQ(std::vector<float>(to, to + 6), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}
} // namespace

namespace {
// lipc_abi.h's roles: each spelling names one role, and nothing else does.
TEST(Abi, EveryRoleHasOneSpelling) {
  for (size_t i = 0; i < lipc::abi::kRoleNames.size(); ++i) {
    auto role = static_cast<lipc::abi::Role>(i);
    EXPECT_EQ(lipc::abi::roleFromName(lipc::abi::roleName(role)), role) << i;
  }
  EXPECT_EQ(lipc::abi::roleFromName("weights"), std::nullopt);
  EXPECT_EQ(lipc::abi::roleFromName(""), std::nullopt);
  EXPECT_EQ(lipc::abi::roleName(lipc::abi::Role::LrScale), "lr_scale");
}
} // namespace
