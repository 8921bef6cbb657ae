//===- lipc.cpp - The lipc driver -----------------------------------------===//
//
// lipc bounds MODEL [--json]     the certified bound, op by op
// lipc compile MODEL -o BIN      the model's training binary
// lipc certify MODEL CHECKPOINT  the bound of trained weights
// lipc MODEL --emit=ast|lip|lip-bounds|train-pipeline|train|manifest|linalg|llvm|obj|ptx
// The stages live in libraries (frontends/spec, compiler/lib/Driver); this
// file parses the command line, wires diagnostics and maps outcomes to exit
// codes.
//
//===----------------------------------------------------------------------===//

#include "lipc/Driver/BoundsReport.h"
#include "lipc/Driver/BudgetSolver.h"
#include "lipc/Driver/Certify.h"
#include "lipc/Driver/LinkBinary.h"
#include "lipc/Driver/TrainPipeline.h"
#include "lipc/Driver/TrainingStages.h"
#include "lipc/Pipelines/Codegen.h"
#include "lipc/Pipelines/DeviceCodegen.h"
#include "lipc/Pipelines/ObjectEmission.h"
#include "lipc/Transforms/Passes.h"
#include "lipspec/Limits.h"
#include "lipspec/Parser.h"
#include "lipspec/SpecFile.h"
#include "lipspec/SpecGen.h"
#include "lipc_abi.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/xxhash.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Threading.h"

#include <cmath>

using namespace mlir;
using namespace lipc;

namespace {
/// What `lipc --version` prints: the project's version (CMakeLists.txt).
constexpr llvm::StringLiteral kVersion = LIPC_VERSION;

/// Exit codes, documented in `lipc --help` and the README.
enum ExitCode : int {
  kSuccess = 0,
  kSpecError = 1,  // the spec cannot be read, parsed or compiled
  kUsageError = 2, // bad command line
  kBudgetNotMet = 3,
};

constexpr unsigned kMaxReportedErrors = 20;

llvm::cl::OptionCategory lipcCategory("lipc options");

llvm::cl::list<std::string> positionals(llvm::cl::Positional,
                                        llvm::cl::desc("[bounds|compile|certify] <model.lip> [checkpoint]"),
                                        llvm::cl::cat(lipcCategory));

enum class Emit { None, AST, Lip, LipBounds, TrainPipeline, Train, Manifest, Linalg, LLVM, Obj, PTX };
llvm::cl::opt<Emit> emit(
    "emit", llvm::cl::desc("Print a compilation stage instead of running a command"),
    llvm::cl::init(Emit::None),
    llvm::cl::values(clEnumValN(Emit::AST, "ast", "the parsed spec"),
                     clEnumValN(Emit::Lip, "lip", "the model in the lip dialect"),
                     clEnumValN(Emit::LipBounds, "lip-bounds",
                                "the lip dialect with every op's propagated bound"),
                     clEnumValN(Emit::TrainPipeline, "train-pipeline",
                                "the pass pipeline that makes --emit=train of --emit=lip, "
                                "every train setting of the spec as an option (for "
                                "lip-opt --pass-pipeline=)"),
                     clEnumValN(Emit::Train, "train",
                                "the training step: loss, gradient, optimizer updates and "
                                "projections (lip + lipopt)"),
                     clEnumValN(Emit::Manifest, "manifest",
                                "the training step's arguments and results, as the runtime "
                                "reads them (JSON)"),
                     clEnumValN(Emit::Linalg, "linalg", "the training step lowered to linalg"),
                     clEnumValN(Emit::LLVM, "llvm", "the training step as LLVM IR"),
                     clEnumValN(Emit::PTX, "ptx",
                                "the training step's GPU kernels as PTX for sm_90 (the GPU "
                                "path's device code; matrix products are cuBLAS calls)"),
                     clEnumValN(Emit::Obj, "obj",
                                "the training step as an object file for this CPU (needs -o)")),
    llvm::cl::cat(lipcCategory));

llvm::cl::opt<std::string> outputPath("o", llvm::cl::desc("Output file (--emit=obj)"),
                                      llvm::cl::value_desc("path"), llvm::cl::cat(lipcCategory));

llvm::cl::opt<lip::GemmBackend> gemmBackend(
    "gemm", llvm::cl::desc("How matrix products are compiled (compile, --emit=llvm|obj)"),
    llvm::cl::init(lip::GemmBackend::Blas),
    llvm::cl::values(clEnumValN(lip::GemmBackend::Blas, "blas",
                                "calls to OpenBLAS through the runtime (the default)"),
                     clEnumValN(lip::GemmBackend::Loops, "loops",
                                "generated loops, no BLAS (slower; for comparison)")),
    llvm::cl::cat(lipcCategory));

enum class Precision { Spec, Fp32, Bf16, Tf32 };
llvm::cl::opt<Precision> precision(
    "precision",
    llvm::cl::desc("The model's matrix products (compile, --emit=manifest|llvm|obj; default: the "
                   "spec's train.precision, else fp32)"),
    llvm::cl::init(Precision::Spec),
    llvm::cl::values(clEnumValN(Precision::Fp32, "fp32", "float32 operands"),
                     clEnumValN(Precision::Bf16, "bf16",
                                "bf16 operands, float32 accumulation, where the processor has "
                                "bf16 instructions (float32 elsewhere, said in the training log); "
                                "weights, optimizer, Newton-Schulz and constraints stay float32"),
                     clEnumValN(Precision::Tf32, "tf32",
                                "TF32 operands, float32 accumulation, on the GPU's tensor cores "
                                "(float32 on the CPU, said in the training log); the rest as for bf16")),
    llvm::cl::cat(lipcCategory));

llvm::cl::opt<std::string> targetCpu(
    "cpu",
    llvm::cl::desc("The processor the CPU code is compiled for (compile, --emit=obj): an LLVM "
                   "CPU name, e.g. x86-64-v3 for a binary that runs on any processor of that level "
                   "(default: this machine's, with every instruction it has)"),
    llvm::cl::value_desc("name"), llvm::cl::cat(lipcCategory));

llvm::cl::opt<bool> noFuse(
    "no-fuse",
    llvm::cl::desc("Keep each parameter's momentum, Newton-Schulz, update and soft cap as "
                   "separate ops instead of one fused update (compile, --emit=train|linalg|llvm|obj; "
                   "for comparison)"),
    llvm::cl::cat(lipcCategory));

llvm::cl::opt<bool> buildGpu(
    "gpu",
    llvm::cl::desc("Also build the GPU step into the binary (compile): kernels as sm_90 machine "
                   "code from ptxas beside their PTX (PTX alone without ptxas); the binary then runs "
                   "on a GPU or the CPU (--device); needs CUDA's libdevice"),
    llvm::cl::cat(lipcCategory));

llvm::cl::opt<lip::AttentionLowering> gpuAttention(
    "gpu-attention",
    llvm::cl::desc("The GPU step's attention (compile --gpu, --emit=ptx)"),
    llvm::cl::init(lip::AttentionLowering::Linalg),
    llvm::cl::values(clEnumValN(lip::AttentionLowering::Linalg, "products",
                                "batched cuBLAS products around softmax kernels (the default)"),
                     clEnumValN(lip::AttentionLowering::FusedLoops, "fused",
                                "one kernel per pass, a thread per row, no score matrix in memory "
                                "(head_dim up to 64; larger heads keep the products)")),
    llvm::cl::cat(lipcCategory));

llvm::cl::opt<std::string> certifyData(
    "data", llvm::cl::desc("certify: the data near which to measure ratios (default: the spec's)"),
    llvm::cl::value_desc("path"), llvm::cl::cat(lipcCategory));

llvm::cl::opt<int64_t> certifySamples(
    "samples",
    llvm::cl::desc("certify: real inputs to measure the empirical lower bound near (0: none)"),
    llvm::cl::init(8), llvm::cl::cat(lipcCategory));

llvm::cl::opt<bool> json("json", llvm::cl::desc("bounds: print one JSON object instead of a table"),
                         llvm::cl::cat(lipcCategory));

llvm::cl::list<std::string> defineOptions(
    "D", llvm::cl::Prefix,
    llvm::cl::desc("Replace the value of the spec's top-level 'let NAME' by the number VALUE "
                   "(repeatable; certify a checkpoint with the defines it was compiled with)"),
    llvm::cl::value_desc("NAME=VALUE"), llvm::cl::cat(lipcCategory));

/// A double option that takes only what the spec's `budget.max` takes (a
/// finite number > 0), so "--budget=", "--budget=0" and "--budget=nan" are
/// command-line errors rather than "no budget".
struct BudgetParser : llvm::cl::parser<double> {
  using llvm::cl::parser<double>::parser;

  bool parse(llvm::cl::Option &option, llvm::StringRef name, llvm::StringRef arg, double &value) {
    if (llvm::cl::parser<double>::parse(option, name, arg, value))
      return true;
    if (spec::kPositive.contains(value))
      return false;
    return option.error(llvm::Twine("must be ") + spec::kPositive.describe() + ", got '" + arg +
                        "'");
  }
};

llvm::cl::opt<double, false, BudgetParser> budgetOverride(
    "budget",
    llvm::cl::desc("Check the bound against this budget, a finite number > 0 (overrides the "
                   "spec's)"),
    llvm::cl::value_desc("max"), llvm::cl::cat(lipcCategory));

llvm::cl::opt<bool> solveBudgetFlag(
    "solve-budget",
    llvm::cl::desc("Scale the constraint groups' w_max to the largest values that meet the "
                   "budget (as `budget { solve = true }`)"),
    llvm::cl::cat(lipcCategory));

const char *kOverview = R"(lipc: a compiler for Lipschitz-certified neural networks

Commands:
  lipc bounds MODEL.lip [--json]   certified Lipschitz bound of the model, op by op
  lipc MODEL.lip --emit=STAGE      print a stage: ast, lip, lip-bounds, train, manifest, linalg, llvm, ptx
  lipc compile MODEL.lip -o BIN    build the model's binary (BIN train|eval|sample|bounds)
  lipc certify MODEL.lip CKPT [--json]
                                   the bound of a checkpoint's trained weights, beside the
                                   compile-time bound
  lipc MODEL.lip --emit=obj -o F   write the training step as an object file

MLIR's debugging flags work too (listed by --help-hidden), e.g.
  --mlir-print-debuginfo (locations with --emit=lip), --mlir-print-ir-after-all,
  --mlir-timing (with --emit=lip-bounds).

Exit codes:
  0  success
  1  the spec cannot be read or has errors (each printed as file:line:col)
  2  bad command line
  3  the Lipschitz budget is not met (exceeded, not certified, or unsolvable), or
     (certify) a trained weight exceeds its constraint: the compile-time certificate
     does not hold
)";

int usage(const llvm::Twine &message) {
  llvm::errs() << "lipc: " << message
               << "\nusage: lipc bounds MODEL.lip | lipc compile MODEL.lip -o BINARY | "
                  "lipc certify MODEL.lip CHECKPOINT | lipc MODEL.lip --emit=STAGE\n"
                  "(run 'lipc --help' for the options)\n";
  return kUsageError;
}

/// Prints diagnostics with the source line and a caret; stops after
/// kMaxReportedErrors errors so a binary file does not flood the terminal.
class Diagnostics {
public:
  Diagnostics(llvm::SourceMgr &sm, MLIRContext &ctx)
      : printer(sm, &ctx, llvm::errs()),
        handlerId(ctx.getDiagEngine().registerHandler([this](Diagnostic &d) {
          if (d.getSeverity() == DiagnosticSeverity::Error && ++errors > kMaxReportedErrors) {
            if (errors == kMaxReportedErrors + 1)
              llvm::errs() << "lipc: too many errors, stopping\n";
            return success();
          }
          return failure(); // let the source-manager printer show it
        })) {}

  unsigned errorCount() const { return errors; }

private:
  SourceMgrDiagnosticHandler printer;
  DiagnosticEngine::HandlerID handlerId;
  unsigned errors = 0;
};

void runBudgetCheck(spec::CompiledSpec &compiled, double max) {
  PassManager pm(compiled.module->getContext());
  lip::LipCheckBudgetOptions options;
  options.maxLipschitz = max;
  pm.addNestedPass<func::FuncOp>(lip::createLipCheckBudget(options));
  (void)pm.run(*compiled.module);
}

/// The training stage `--emit` prints (or, for obj, writes).
TrainingStage trainingStageOf(Emit stage) {
  switch (stage) {
  case Emit::Train:
    return TrainingStage::Train;
  case Emit::Manifest:
    return TrainingStage::Manifest;
  case Emit::PTX:
    return TrainingStage::Ptx;
  case Emit::Linalg:
    return TrainingStage::Linalg;
  case Emit::LLVM:
    return TrainingStage::Llvm;
  default:
    return TrainingStage::Object;
  }
}

/// Builds the training step up to `stage` with the command line's settings
/// (and `build`'s outputs), printing to stdout; an error not reported as a
/// diagnostic yet is printed as `lipc: ...`. The exit code.
int runTrainingStage(spec::CompiledSpec &compiled, TrainingStage stage, TrainingBuild build = {}) {
  build.gemm = gemmBackend;
  build.fuseProjections = !noFuse;
  build.cpu = targetCpu;
  build.gpuAttention = gpuAttention;
  if (precision != Precision::Spec)
    build.precision = precision == Precision::Bf16 ? "bf16" : precision == Precision::Tf32 ? "tf32" : "fp32";
  int rc = kSuccess;
  llvm::handleAllErrors(
      buildTrainingStage(compiled, stage, build, llvm::outs()),
      [&](const AlreadyDiagnosed &) { rc = kSpecError; },
      [&](const llvm::ErrorInfoBase &error) {
        llvm::errs() << "lipc: " << error.message() << "\n";
        rc = kSpecError;
      });
  return rc;
}

/// The name checkpoints give their model: a hash of the spec's text and of
/// its -D defines (none: the text alone, as before defines existed).
std::string specHash(llvm::StringRef specText, const spec::Defines &defines) {
  std::string identity = specText.str();
  for (const auto &[name, value] : defines)
    identity += llvm::formatv("\n-D {0}={1}", name, llvm::format("%.17g", value)).str();
  return llvm::utohexstr(llvm::xxh3_64bits(identity));
}

/// The -D options as defines; an error names the first malformed one.
llvm::Expected<spec::Defines> parseDefines() {
  spec::Defines defines;
  for (const std::string &option : defineOptions) {
    auto [name, text] = llvm::StringRef(option).split('=');
    double value;
    if (name.empty() || !llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }) ||
        llvm::isDigit(name.front()) || !text.trim().size() || text.getAsDouble(value) ||
        !std::isfinite(value))
      return llvm::createStringError("-D " + option + ": expected NAME=NUMBER (a finite number)");
    if (!defines.emplace(name.str(), value).second)
      return llvm::createStringError("-D " + name.str() + " is given twice");
  }
  return defines;
}

/// `lipc certify`: the bound of a checkpoint's weights beside the
/// compile-time one; exit 3 when the compile-time certificate does not hold
/// for them.
int certify(spec::CompiledSpec &compiled, const std::string &modelHash,
            const std::string &checkpointPath) {
  liprt::Result<liprt::Checkpoint> checkpoint = liprt::loadCheckpoint(checkpointPath);
  if (!checkpoint) {
    llvm::errs() << "lipc: " << checkpoint.status().message() << "\n";
    return kSpecError;
  }
  FailureOr<Certificate> certificate = certifyCheckpoint(compiled, *checkpoint, modelHash);
  if (failed(certificate))
    return kSpecError;
  if (certifySamples > 0) {
    EmpiricalSearch search;
    search.examples = certifySamples;
    if (failed(addEmpiricalBound(*certificate, compiled, *checkpoint, certifyData, search)))
      return kSpecError;
  }
  if (json)
    printCertificateJson(*certificate, llvm::outs());
  else
    printCertificate(*certificate, llvm::outs());
  return certificate->compileTimeHolds() ? kSuccess : kBudgetNotMet;
}

/// `lipc compile`: the training step, with the bound report embedded for the
/// binary's `bounds` command and the spec's hash (checkpoints name their
/// model by it), linked with the runtime's main into one
/// executable. The linker is the only tool it runs.
int compileBinary(spec::CompiledSpec &compiled, const std::string &modelHash,
                  std::optional<double> budgetMax, llvm::StringRef runtimeDirectory) {
  FailureOr<BoundsReport> report = buildBoundsReport(compiled);
  if (failed(report))
    return kSpecError;
  if (budgetMax && !(report->certified && report->bound <= *budgetMax)) {
    runBudgetCheck(compiled, *budgetMax);
    return kBudgetNotMet;
  }
  // eval measures a checkpoint's weights with the Gram bound, which may read
  // a weight at its cap up to ~1.2e-4 above it (rank 2^20): its certificate
  // is the bound with every certified norm 2e-4 above its guarantee.
  FailureOr<EvalCertificate> evalCertificate = buildEvalCertificate(compiled, 2e-4);
  if (failed(evalCertificate))
    return kSpecError;
  std::string table, json, evalJson;
  llvm::raw_string_ostream tableStream(table), jsonStream(json), evalStream(evalJson);
  printBoundsTable(*report, tableStream);
  printBoundsJson(*report, jsonStream);
  printEvalCertificateJson(*evalCertificate, evalStream);
  // One object file per core: the parts of the step compile in parallel.
  std::vector<std::string> objects;
  std::vector<std::unique_ptr<llvm::FileRemover>> removeObjects;
  for (unsigned i = 0, n = llvm::hardware_concurrency().compute_thread_count(); i < n; ++i) {
    llvm::SmallString<128> object;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile("lipc-model", "o", object)) {
      llvm::errs() << "lipc: cannot create a temporary object file: " << ec.message() << "\n";
      return kSpecError;
    }
    objects.push_back(object.str().str());
    removeObjects.push_back(std::make_unique<llvm::FileRemover>(object));
  }
  llvm::SmallString<128> gpuObject;
  std::optional<llvm::FileRemover> removeGpuObject;
  if (buildGpu) {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile("lipc-model-gpu", "o", gpuObject)) {
      llvm::errs() << "lipc: cannot create a temporary object file: " << ec.message() << "\n";
      return kSpecError;
    }
    removeGpuObject.emplace(gpuObject);
  }
  TrainingBuild build;
  build.objectPaths = objects;
  build.embedded = {{std::string(lipc::abi::kBoundsTableSymbol), table},
                    {std::string(lipc::abi::kBoundsJsonSymbol), json},
                    {std::string(lipc::abi::kEvalCertificateSymbol), evalJson},
                    {std::string(lipc::abi::kSpecHashSymbol), modelHash}};
  build.gpuObjectPath = gpuObject.str().str();
  int rc = runTrainingStage(compiled, TrainingStage::Object, std::move(build));
  if (rc != kSuccess)
    return rc;
  if (buildGpu)
    objects.push_back(gpuObject.str().str());
  if (llvm::Error error = linkModelBinary(objects, runtimeDirectory, outputPath)) {
    llvm::errs() << "lipc: " << llvm::toString(std::move(error)) << "\n";
    return kSpecError;
  }
  return kSuccess;
}
/// The command the positional arguments name (--emit: a stage of a model).
enum class Command { Bounds, Compile, Certify, Emit };

/// The command, after checking that the command line is complete and
/// consistent; on a usage error its message is printed and `exitCode` set.
std::optional<Command> checkCommandLine(int &exitCode) {
  auto fail = [&](const llvm::Twine &message) {
    exitCode = usage(message);
    return std::nullopt;
  };
  Command command = Command::Emit;
  if (!positionals.empty() && positionals[0] == "bounds")
    command = Command::Bounds;
  else if (!positionals.empty() && positionals[0] == "compile")
    command = Command::Compile;
  else if (!positionals.empty() && positionals[0] == "certify")
    command = Command::Certify;
  if (command == Command::Emit && positionals.size() >= 2)
    return fail("unknown command '" + positionals[0] + "' (commands: bounds, compile, certify)");
  if (command == Command::Certify && positionals.size() != 3)
    return fail("certify needs a model file and a checkpoint");
  if (command == Command::Certify && emit != Emit::None)
    return fail("'certify' and --emit are separate commands");
  size_t expected = command == Command::Certify ? 3 : command == Command::Emit ? 1 : 2;
  if (positionals.size() != expected)
    return fail(positionals.empty() ? "no model file given"
                                    : "expected one model file, got " +
                                          std::to_string(positionals.size() - expected + 1) +
                                          " arguments");
  if (command == Command::Compile && emit != Emit::None)
    return fail("'compile' and --emit are separate commands");
  if (command == Command::Compile && outputPath.empty())
    return fail("compile needs -o BINARY");
  if (command == Command::Emit && emit == Emit::None)
    return fail("nothing to do: use 'lipc bounds " + positionals[0] + "' or --emit=STAGE");
  if (command == Command::Bounds && emit != Emit::None)
    return fail("'bounds' and --emit are separate commands");
  if (certifySamples < 0)
    return fail("--samples must be 0 or more");
  if (gpuAttention.getNumOccurrences() && !(command == Command::Compile && buildGpu) &&
      !(command == Command::Emit && emit == Emit::PTX))
    return fail("--gpu-attention chooses the GPU step's attention: it needs compile --gpu or "
                "--emit=ptx");
  if (llvm::Error error = lip::checkTargetCpu(targetCpu))
    return fail("--cpu: " + llvm::toString(std::move(error)));
  return command;
}

/// The spec's budget as the command line changes it (--budget,
/// --solve-budget), and what the solver made of it.
struct Budget {
  std::optional<spec::BudgetConfig> config;
  std::optional<BudgetOutcome> outcome;
};

/// Applies the command line's budget options, solves the budget where asked
/// and records its maximum on the model. The exit code.
int applyBudget(spec::CompiledSpec &compiled, llvm::SourceMgr &sourceMgr, Budget &budget) {
  budget.config = compiled.budget;
  if (budgetOverride.getNumOccurrences()) {
    budget.config = budget.config.value_or(spec::BudgetConfig{});
    budget.config->max = budgetOverride;
  }
  if (solveBudgetFlag) {
    if (!budget.config)
      return usage("--solve-budget needs a budget (in the spec or --budget=X)");
    budget.config->solve = true;
  }
  if (!budget.config)
    return kSuccess;
  MLIRContext *context = compiled.module->getContext();
  if (budget.config->solve) {
    Location loc = budget.config->loc.isValid()
                       ? spec::toLocation(context, sourceMgr, budget.config->loc)
                       : compiled.model.getLoc();
    FailureOr<BudgetOutcome> solved = solveBudget(compiled, *budget.config, loc);
    if (failed(solved))
      return kBudgetNotMet;
    budget.outcome = *solved;
  }
  compiled.model->setAttr(lip::kBudgetAttrName, Builder(context).getF64FloatAttr(budget.config->max));
  return kSuccess;
}

/// `lipc MODEL --emit=STAGE` from the lip dialect on. The exit code.
int emitStage(spec::CompiledSpec &compiled) {
  if (emit == Emit::Obj && outputPath.empty())
    return usage("--emit=obj needs -o FILE");
  if (emit == Emit::TrainPipeline) {
    if (!compiled.train)
      return usage("--emit=train-pipeline needs a spec with a train section");
    llvm::outs() << trainingPipeline(compiled, /*fuseProjections=*/!noFuse) << "\n";
    return kSuccess;
  }
  if (emit == Emit::Lip || emit == Emit::LipBounds) {
    if (emit == Emit::LipBounds) {
      PassManager pm(compiled.module->getContext());
      if (failed(applyPassManagerCLOptions(pm)))
        return kUsageError;
      pm.addNestedPass<func::FuncOp>(lip::createLipPropagateBounds());
      if (failed(pm.run(*compiled.module)))
        return kSpecError;
    }
    compiled.module->print(llvm::outs());
    return kSuccess;
  }
  TrainingBuild build;
  build.objectPaths = {outputPath};
  return runTrainingStage(compiled, trainingStageOf(emit), std::move(build));
}

/// `lipc bounds MODEL`: the bound report, table or JSON, with the budget's
/// verdict. The exit code.
int printBounds(spec::CompiledSpec &compiled, Budget &budget) {
  FailureOr<BoundsReport> report = buildBoundsReport(compiled);
  if (failed(report))
    return kSpecError;
  if (budget.config) {
    if (!budget.outcome) {
      budget.outcome = BudgetOutcome{};
      budget.outcome->max = budget.config->max;
    }
    budget.outcome->met = report->certified && report->bound <= budget.config->max;
    report->budget = budget.outcome;
  }
  if (json)
    printBoundsJson(*report, llvm::outs());
  else
    printBoundsTable(*report, llvm::outs());
  llvm::outs().flush();
  if (budget.config && !report->budget->met) {
    // The pass reports why, with every op's factor at its spec location.
    runBudgetCheck(compiled, budget.config->max);
    return kBudgetNotMet;
  }
  return kSuccess;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  llvm::cl::HideUnrelatedOptions(lipcCategory);
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "lipc " << kVersion << " (LLVM and MLIR " << LLVM_VERSION_STRING << ")\n";
  });
  // With an error stream, a bad option returns false (after its message)
  // instead of exiting with 1: a bad command line is exit code 2.
  if (!llvm::cl::ParseCommandLineOptions(argc, argv, kOverview, &llvm::errs()))
    return kUsageError;
  int exitCode = kSuccess;
  std::optional<Command> command = checkCommandLine(exitCode);
  if (!command)
    return exitCode;
  // Before any work: a lipc without its runtime cannot link a binary.
  std::string runtimeDirectory;
  if (*command == Command::Compile) {
    llvm::Expected<std::string> found = findRuntimeDirectory(
        llvm::sys::fs::getMainExecutable(argv[0], reinterpret_cast<void *>(&usage)));
    if (!found) {
      llvm::errs() << "lipc: " << llvm::toString(found.takeError()) << "\n";
      return kSpecError;
    }
    runtimeDirectory = *found;
  }
  const std::string &path = positionals[*command == Command::Emit ? 0 : 1];
  llvm::Expected<spec::Defines> defines = parseDefines();
  if (!defines)
    return usage(llvm::toString(defines.takeError()));

  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> file = spec::readSpecFile(path);
  if (!file) {
    llvm::errs() << "lipc: " << llvm::toString(file.takeError()) << "\n";
    return kSpecError;
  }
  llvm::StringRef text = (*file)->getBuffer();

  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  MLIRContext context;
  context.loadDialect<lip::LipDialect, lipopt::LipOptDialect, func::FuncDialect,
                      arith::ArithDialect>();
  context.printOpOnDiagnostic(false);
  DialectRegistry registry;
  lip::registerCodegenDialects(registry);
  lip::registerDeviceCodegenDialects(registry);
  context.appendDialectRegistry(registry);
  Diagnostics diagnostics(sourceMgr, context);

  spec::Parser parser(text, [&](llvm::SMLoc loc, const llvm::Twine &message) {
    emitError(spec::toLocation(&context, sourceMgr, loc)) << message;
  });
  spec::Spec ast = parser.parseSpec();
  if (parser.errorCount())
    return kSpecError;
  if (emit == Emit::AST) {
    spec::dumpAST(ast, sourceMgr, llvm::outs());
    return kSuccess;
  }
  FailureOr<spec::CompiledSpec> compiled = spec::generateLip(ast, sourceMgr, context, *defines);
  if (failed(compiled))
    return kSpecError;
  Budget budget;
  if (int rc = applyBudget(*compiled, sourceMgr, budget); rc != kSuccess)
    return rc;

  switch (*command) {
  case Command::Certify:
    return certify(*compiled, specHash(text, *defines), positionals[2]);
  case Command::Compile:
    return compileBinary(*compiled, specHash(text, *defines),
                         budget.config ? std::optional<double>(budget.config->max) : std::nullopt,
                         runtimeDirectory);
  case Command::Emit:
    return emitStage(*compiled);
  case Command::Bounds:
    return printBounds(*compiled, budget);
  }
  return kSuccess;
}
