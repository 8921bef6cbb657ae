//===- NativeTrainStepTest.cpp - The compiled training step, called from C++ //
//
// `lipc --emit=obj` compiles tests/Conversion/Inputs/tiny-mlp.lip at build
// time; this test links that object and calls its C entry point
// `_mlir_ciface_train_step` with memref descriptors, as the runtime will, for
// a few steps, and compares every loss and weight with the reference
// interpreter running the same @train_step.
//
//===----------------------------------------------------------------------===//

#include "lipc/Driver/TrainPipeline.h"
#include "lipc/Pipelines/Codegen.h"
#include "lipc/Reference/Interpreter.h"
#include "lipspec/Parser.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace {
using Matrix = StridedMemRefType<float, 2>;
struct Results {
  StridedMemRefType<float, 0> loss;
  Matrix in, out, momentumIn, momentumOut;
};
} // namespace

// The object's entry point: results, then params, state, step, inputs.
extern "C" void _mlir_ciface_train_step(Results *, Matrix *, Matrix *, Matrix *, Matrix *,
                                        StridedMemRefType<double, 0> *, Matrix *,
                                        StridedMemRefType<int32_t, 1> *);

namespace {
Matrix view(std::vector<float> &data, int64_t rows, int64_t cols) {
  return {data.data(), data.data(), 0, {rows, cols}, {cols, 1}};
}

std::vector<float> values(const Matrix &m) {
  std::vector<float> v;
  for (int64_t i = 0; i < m.sizes[0]; ++i)
    for (int64_t j = 0; j < m.sizes[1]; ++j)
      v.push_back(m.data[m.offset + i * m.strides[0] + j * m.strides[1]]);
  return v;
}

TEST(NativeTrainStep, MatchesTheReferenceInterpreter) {
  constexpr int64_t kBatch = 6, kSteps = 4;
  // Deterministic weights inside the cap, inputs and labels.
  std::vector<float> in(16 * 8), out(4 * 16), mIn(16 * 8, 0), mOut(4 * 16, 0), x(kBatch * 8);
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
    liprt::ref::Tensor t(std::move(shape));
    for (size_t i = 0; i < data.size(); ++i)
      t.data[i] = data[i];
    return t;
  };
  std::vector<liprt::ref::Tensor> args = {tensor({16, 8}, in),   tensor({4, 16}, out),
                                          tensor({16, 8}, mIn),  tensor({4, 16}, mOut),
                                          liprt::ref::Tensor(std::vector<int64_t>{}), tensor({kBatch, 8}, x),
                                          tensor({kBatch}, y)};

  Matrix w0 = view(in, 16, 8), w1 = view(out, 4, 16), m0 = view(mIn, 16, 8), m1 = view(mOut, 4, 16);
  Matrix xs = view(x, kBatch, 8);
  StridedMemRefType<int32_t, 1> ys{y.data(), y.data(), 0, {kBatch}, {1}};
  std::vector<float> firstLosses;
  for (int64_t s = 0; s < kSteps; ++s) {
    double stepValue = static_cast<double>(s);
    StridedMemRefType<double, 0> stepRef{&stepValue, &stepValue, 0};
    Results r;
    _mlir_ciface_train_step(&r, &w0, &w1, &m0, &m1, &stepRef, &xs, &ys);
    // The results are buffers the compiled code allocated; the test keeps
    // them (they may alias each other) and feeds them to the next step.
    w0 = r.in, w1 = r.out, m0 = r.momentumIn, m1 = r.momentumOut;

    args[4] = liprt::ref::Tensor(std::vector<int64_t>{}, stepValue);
    auto expected = mlir::lip::interpret(step, args, {});
    ASSERT_TRUE(mlir::succeeded(expected));
    float loss = r.loss.data[r.loss.offset];
    EXPECT_NEAR(loss, (*expected)[0].data[0], 1e-4 * std::fabs((*expected)[0].data[0])) << s;
    firstLosses.push_back(loss);
    for (unsigned i = 0; i < 4; ++i)
      args[i] = (*expected)[i + 1];
    std::vector<float> native = values(w0);
    for (size_t i = 0; i < native.size(); ++i)
      EXPECT_NEAR(native[i], args[0].data[i], 1e-5) << "step " << s << ", in[" << i << "]";
  }
  EXPECT_LT(firstLosses.back(), firstLosses.front());
}
} // namespace
