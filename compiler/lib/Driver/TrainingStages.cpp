//===- TrainingStages.cpp - A spec's training step, carried to a stage ---===//
//
// TrainingStages.h: the training module, its manifest, the CPU lowering to
// linalg, LLVM IR and object files, and the GPU step (object or PTX).
//
//===----------------------------------------------------------------------===//

#include "lipc/Driver/TrainingStages.h"

#include "lipc/Autodiff/Gradient.h"
#include "lipc/Driver/StepManifest.h"
#include "lipc/Driver/TrainPipeline.h"
#include "lipc/Pipelines/DeviceCodegen.h"
#include "lipc/Pipelines/ObjectEmission.h"
#include "lipc_abi.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"


using namespace mlir;
using namespace lipc;

char AlreadyDiagnosed::ID;

void AlreadyDiagnosed::log(llvm::raw_ostream &os) const {
  os << "the error was reported as a diagnostic";
}

std::error_code AlreadyDiagnosed::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

namespace {
llvm::Error diagnosed() { return llvm::make_error<AlreadyDiagnosed>(); }

/// The GPU build's products: cuBLAS where the CPU build calls the runtime's
/// CPU products (GEMM on memory the GPU reads).
lip::GemmBackend deviceGemm(lip::GemmBackend gemm) {
  return gemm == lip::GemmBackend::Blas ? lip::GemmBackend::Cublas : gemm;
}

/// The GPU the kernels are for, with CUDA's libdevice and, where the
/// toolkit has them, ptxas and fatbinary.
llvm::Expected<lip::DeviceTarget> deviceTarget() {
  llvm::Expected<std::string> libdevice = lip::findLibdevice();
  if (!libdevice)
    return libdevice.takeError();
  lip::DeviceTarget target;
  target.libdevice = *libdevice;
  target.toolkit = lip::findKernelAssembler();
  return target;
}

/// The GPU step and its packed entry points as an object file at
/// `build.gpuObjectPath` (its host code for `build.cpu`); the products of
/// `fast` take rounded operands (cuBLAS's tensor cores).
llvm::Error emitGpuObject(ModuleOp trainModule, const TrainingBuild &build, const lip::FastProducts &fast) {
  llvm::Expected<lip::DeviceTarget> target = deviceTarget();
  if (!target)
    return target.takeError();
  if (target->toolkit.empty())
    emitWarning(trainModule.getLoc())
        << "no ptxas and fatbinary in " << lip::cudaToolkitRoot()
        << "/bin: the GPU kernels are embedded as PTX only, which the driver compiles at the first run";
  OwningOpRef<ModuleOp> module = trainModule.clone();
  if (failed(lip::lowerToLinalg(*module, build.gpuAttention)) ||
      failed(lip::bufferize(*module, deviceGemm(build.gemm), fast)) ||
      failed(lip::lowerToGpuLLVMDialect(*module, *target, StringRef(lipc::abi::kGpuPrefix))))
    return diagnosed();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> ir = lip::translateToLLVMIR(*module, llvmContext);
  if (!ir)
    return diagnosed();
  if (llvm::Error error = lip::addPackedEntryPoints(*ir))
    return error;
  return lip::emitObjectFile(*ir, build.gpuObjectPath, build.cpu);
}

/// Lowers the training module for the GPU, compiles its parallel loops to
/// GPU kernels and prints each kernel module's PTX after a `// kernel module
/// NAME` line.
llvm::Error printDeviceKernels(ModuleOp module, const TrainingBuild &build, llvm::raw_ostream &out) {
  llvm::Expected<lip::DeviceTarget> target = deviceTarget();
  if (!target)
    return target.takeError();
  if (failed(lip::lowerToLinalg(module, build.gpuAttention)) ||
      failed(lip::bufferize(module, deviceGemm(build.gemm))) ||
      failed(lip::compileDeviceKernels(module, *target)))
    return diagnosed();
  for (const auto &[name, ptx] : lip::kernelAssembly(module))
    out << "// kernel module " << name << "\n" << ptx << "\n";
  return llvm::Error::success();
}

/// The CPU step from linalg on: LLVM IR with the packed entry points and
/// the embedded manifest and strings, printed (Llvm) or written as objects.
llvm::Error emitCpuStep(spec::CompiledSpec &compiled, TrainingStage stage, const TrainingBuild &build,
                        const lip::FastProducts &fast, llvm::json::Object manifest, llvm::raw_ostream &out) {
  if (failed(lip::lowerToLLVMDialect(*compiled.module, build.gemm, fast)))
    return diagnosed();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> ir = lip::translateToLLVMIR(*compiled.module, llvmContext);
  if (!ir)
    return diagnosed();
  if (llvm::Error error = lip::addPackedEntryPoints(*ir))
    return error;
  lip::embedString(*ir, StringRef(lipc::abi::kManifestSymbol),
                   llvm::formatv("{0}", llvm::json::Value(std::move(manifest))).str());
  for (const auto &[symbol, text] : build.embedded)
    lip::embedString(*ir, symbol, text);
  if (stage == TrainingStage::Llvm) {
    ir->print(out, nullptr);
    return llvm::Error::success();
  }
  return lip::emitObjectFiles(*ir, build.objectPaths, build.cpu);
}
} // namespace

llvm::Error lipc::buildTrainingStage(spec::CompiledSpec &compiled, TrainingStage stage,
                                     const TrainingBuild &build, llvm::raw_ostream &out) {
  if (!build.precision.empty() && compiled.train)
    compiled.train->precision = build.precision;
  // The forward and backward pass: its products may round their operands.
  lip::FastProducts fast;
  if (compiled.train && compiled.train->precision != "fp32") {
    fast.functions.push_back(lip::gradientFunctionName(compiled.model.getSymName()));
    fast.precision = compiled.train->precision;
  }
  if (failed(buildTrainingModule(compiled, build.fuseProjections)))
    return diagnosed();
  if (stage == TrainingStage::Train) {
    compiled.module->print(out);
    return llvm::Error::success();
  }
  FailureOr<llvm::json::Object> manifest = describeTrainStep(*compiled.module);
  if (failed(manifest))
    return diagnosed();
  (*manifest)["train"] = describeTrainDefaults(*compiled.train);
  if (stage == TrainingStage::Manifest) {
    out << llvm::formatv("{0:2}", llvm::json::Value(std::move(*manifest))) << "\n";
    return llvm::Error::success();
  }
  if (stage == TrainingStage::Ptx)
    return printDeviceKernels(*compiled.module, build, out);
  if (!build.gpuObjectPath.empty())
    if (llvm::Error error = emitGpuObject(*compiled.module, build, fast))
      return error;
  // The runtime's attention kernels call BLAS like the products; with
  // --gemm=loops attention stays in linalg's loops too.
  if (failed(lip::lowerToLinalg(*compiled.module, build.gemm == lip::GemmBackend::Blas
                                                      ? lip::AttentionLowering::RuntimeKernels
                                                      : lip::AttentionLowering::Linalg)))
    return diagnosed();
  if (stage == TrainingStage::Linalg) {
    compiled.module->print(out);
    return llvm::Error::success();
  }
  return emitCpuStep(compiled, stage, build, fast, std::move(*manifest), out);
}
