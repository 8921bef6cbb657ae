//===- lip-grad-dump.cpp - Gradients of a spec, for external references ---===//
//
// Test tool: compiles a spec, appends its cross-entropy loss, builds the
// gradient function, draws seeded weights and a batch, runs the reference
// interpreter, and writes every tensor (float64, little endian, one file
// each) with a manifest.json, so that tests/torch/check_gradients.py can
// recompute the loss and gradients with PyTorch and compare.
//
//   lip-grad-dump MODEL.lip OUTDIR [--batch=N] [--seed=S]
//
//===----------------------------------------------------------------------===//

#include "lipc/Autodiff/Gradient.h"
#include "lipc/Reference/Interpreter.h"
#include "lipspec/Parser.h"
#include "lipspec/SpecGen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <random>

using namespace mlir;
using lipnum::Tensor;

static llvm::cl::opt<std::string> specPath(llvm::cl::Positional, llvm::cl::Required,
                                           llvm::cl::desc("<model.lip>"));
static llvm::cl::opt<std::string> outDir(llvm::cl::Positional, llvm::cl::Required,
                                         llvm::cl::desc("<output dir>"));
static llvm::cl::opt<int64_t> batch("batch", llvm::cl::init(2), llvm::cl::desc("batch size"));
static llvm::cl::opt<uint64_t> seed("seed", llvm::cl::init(0), llvm::cl::desc("random seed"));

namespace {
llvm::json::Array writeTensor(llvm::json::Array &manifest, const std::string &name,
                              const std::string &role, const Tensor &t) {
  std::string file = name + ".f64";
  std::error_code ec;
  llvm::raw_fd_ostream os(outDir + "/" + file, ec);
  if (ec)
    llvm::report_fatal_error(llvm::Twine("cannot write ") + file + ": " + ec.message());
  os.write(reinterpret_cast<const char *>(t.data.data()), t.data.size() * sizeof(double));
  llvm::json::Array shape;
  for (int64_t d : t.shape)
    shape.push_back(d);
  manifest.push_back(llvm::json::Object{{"name", name}, {"role", role}, {"file", file},
                                        {"shape", std::move(shape)}});
  return {};
}
} // namespace

int main(int argc, char **argv) {
  llvm::cl::ParseCommandLineOptions(argc, argv, "dump a spec's loss and gradients\n");
  auto file = llvm::MemoryBuffer::getFile(specPath, /*IsText=*/true);
  if (!file) {
    llvm::errs() << "cannot read " << specPath << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  MLIRContext context;
  context.loadDialect<lip::LipDialect, func::FuncDialect, arith::ArithDialect>();
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  lipc::spec::Parser parser(sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer(),
                            [&](llvm::SMLoc loc, const llvm::Twine &msg) {
                              emitError(lipc::spec::toLocation(&context, sourceMgr, loc)) << msg;
                            });
  lipc::spec::Spec ast = parser.parseSpec();
  if (parser.errorCount())
    return 1;
  auto compiled = lipc::spec::generateLip(ast, sourceMgr, context);
  if (failed(compiled) || failed(lip::appendCrossEntropyLoss(compiled->model)))
    return 1;
  func::FuncOp model = compiled->model;
  FailureOr<func::FuncOp> grad = lip::buildGradientFunction(model);
  if (failed(grad))
    return 1;
  llvm::sys::fs::create_directories(outDir);

  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  llvm::json::Array manifest;
  std::vector<Tensor> args;
  model.walk([&](lip::ParamOp p) {
    Tensor w(std::vector<int64_t>(p.getType().getShape()));
    bool embed = p.getConstraint().getNorm() == lip::NormKind::l1_to_rms;
    double scale = embed ? 1.0 : 1.0 / std::sqrt(static_cast<double>(w.shape[1]));
    for (double &v : w.data)
      v = scale * normal(rng);
    writeTensor(manifest, p.getName().str(), "param", w);
    args.push_back(w);
  });
  for (auto [i, arg] : llvm::enumerate(model.getArguments())) {
    auto type = cast<RankedTensorType>(arg.getType());
    std::vector<int64_t> shape(type.getShape());
    shape[0] = batch;
    Tensor t(shape);
    int64_t limit = 0;
    if (auto vocab = model.getArgAttrOfType<IntegerAttr>(i, mlir::lip::kVocabAttrName))
      limit = vocab.getInt();
    for (Operation *user : arg.getUsers())
      if (auto ce = dyn_cast<lip::CrossEntropyOp>(user))
        limit = ce.getLogits().getType().getShape().back();
    for (double &v : t.data)
      v = limit ? std::floor(uniform(rng) * limit) : uniform(rng);
    writeTensor(manifest, "arg" + std::to_string(i), limit ? "labels" : "input", t);
    args.push_back(t);
  }
  auto results = lip::interpret(*grad, args, {});
  if (failed(results))
    return 1;
  writeTensor(manifest, "loss", "loss", (*results)[0]);
  unsigned index = 1;
  model.walk([&](lip::ParamOp p) {
    writeTensor(manifest, "grad." + p.getName().str(), "grad", (*results)[index++]);
  });
  std::error_code ec;
  llvm::raw_fd_ostream os(outDir + "/manifest.json", ec);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest))) << "\n";
  return 0;
}
