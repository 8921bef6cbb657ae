//===- ObjectEmission.cpp - LLVM IR to object files, in parallel ----------===//

#include "lipc/Pipelines/ObjectEmission.h"

#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <mutex>

using namespace mlir;

namespace {
/// glibc's vector erf and tanh (libmvec, since glibc 2.35), which LLVM 19's
/// LIBMVEC_X86 table does not list: 4 lanes of SSE and 8 of AVX2. The
/// loops of GELU and its derivative call erff; without these they stay
/// scalar.
const llvm::VecDesc kMoreLibmvecFunctions[] = {
    {"erff", "_ZGVbN4v_erff", llvm::ElementCount::getFixed(4), false, "_ZGV_LLVM_N4v"},
    {"erff", "_ZGVdN8v_erff", llvm::ElementCount::getFixed(8), false, "_ZGV_LLVM_N8v"},
    {"tanhf", "_ZGVbN4v_tanhf", llvm::ElementCount::getFixed(4), false, "_ZGV_LLVM_N4v"},
    {"tanhf", "_ZGVdN8v_tanhf", llvm::ElementCount::getFixed(8), false, "_ZGV_LLVM_N8v"},
};

/// -O2 with loop vectorization; SLP vectorization off (see the header).
/// Loops calling exp, log, sin, cos, erf or tanh vectorize with glibc's
/// vector math library (libmvec, which binaries link).
void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = false;
  llvm::Triple triple(module.getTargetTriple());
  llvm::TargetLibraryInfoImpl library(triple);
  library.addVectorizableFunctionsFromVecLib(llvm::TargetLibraryInfoImpl::LIBMVEC_X86, triple);
  library.addVectorizableFunctions(kMoreLibmvecFunctions);
  functions.registerPass([&] { return llvm::TargetLibraryAnalysis(library); });
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(module, modules);
}


/// The native target, initialized once.
llvm::Expected<const llvm::Target *> nativeTarget(const std::string &triple) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no LLVM target for " + triple + ": " + error);
  return target;
}
} // namespace

llvm::Error mlir::lip::checkTargetCpu(llvm::StringRef cpu) {
  if (cpu.empty())
    return llvm::Error::success();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  llvm::Expected<const llvm::Target *> target = nativeTarget(triple);
  if (!target)
    return target.takeError();
  // Asked of the host's subtarget: one made for an unknown name warns on stderr.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      (*target)->createMCSubtargetInfo(triple, llvm::sys::getHostCPUName(), ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu))
    return llvm::createStringError("'" + cpu.str() + "' is not a processor LLVM knows for " + triple +
                                   " (a level such as x86-64-v2, x86-64-v3, x86-64-v4, or a name "
                                   "such as znver4 or sapphirerapids)");
  return llvm::Error::success();
}

llvm::Error mlir::lip::emitObjectFile(llvm::Module &module, const std::string &path, llvm::StringRef cpu) {
  std::string triple = llvm::sys::getDefaultTargetTriple();
  llvm::Expected<const llvm::Target *> target = nativeTarget(triple);
  if (!target)
    return target.takeError();
  // By default the host CPU: generated code uses the vector units of this
  // machine. A named level makes a binary for other machines.
  std::string name = cpu.empty() ? llvm::sys::getHostCPUName().str() : cpu.str();
  std::unique_ptr<llvm::TargetMachine> machine((*target)->createTargetMachine(
      triple, name, "", llvm::TargetOptions(), llvm::Reloc::PIC_));
  module.setTargetTriple(triple);
  module.setDataLayout(machine->createDataLayout());
  optimize(module, *machine);
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("cannot write '" + path + "': " + ec.message());
  llvm::legacy::PassManager passes;
  if (machine->addPassesToEmitFile(passes, out, nullptr, llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the target cannot emit object files");
  passes.run(module);
  out.flush();
  if (out.has_error())
    return llvm::createStringError("cannot write '" + path + "': " + out.error().message());
  return llvm::Error::success();
}

llvm::Error mlir::lip::emitObjectFiles(llvm::Module &module, const std::vector<std::string> &paths,
                                       llvm::StringRef cpu) {
  if (paths.size() == 1)
    return emitObjectFile(module, paths[0], cpu);
  // The parts share `module`'s context, which one thread at a time may use:
  // each travels as bitcode to a context of its own.
  std::vector<llvm::SmallString<0>> parts;
  llvm::SplitModule(module, paths.size(), [&](std::unique_ptr<llvm::Module> part) {
    llvm::raw_svector_ostream os(parts.emplace_back());
    llvm::WriteBitcodeToFile(*part, os);
  });
  std::vector<std::string> errors(parts.size()); // "" where a part was written
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency(parts.size()));
  for (size_t i = 0; i < parts.size(); ++i)
    pool.async([&, i] {
      llvm::LLVMContext context;
      llvm::Expected<std::unique_ptr<llvm::Module>> part =
          llvm::parseBitcodeFile(llvm::MemoryBufferRef(parts[i].str(), "part"), context);
      if (!part)
        errors[i] = "cannot read back a part of the module: " + llvm::toString(part.takeError());
      else if (llvm::Error error = emitObjectFile(**part, paths[i], cpu))
        errors[i] = llvm::toString(std::move(error));
    });
  pool.wait();
  for (const std::string &error : errors)
    if (!error.empty())
      return llvm::createStringError(error);
  return llvm::Error::success();
}
