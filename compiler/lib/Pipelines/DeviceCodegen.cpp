//===- DeviceCodegen.cpp - GPU kernels of a bufferized step ---------------===//
//
// The pass pipelines of DeviceCodegen.h. Orders that matter: `arith-expand`
// before the host lowering (MLIR 19 leaves arith.ceildivui otherwise),
// `lower-affine` after `expand-strided-metadata` (which makes affine.apply),
// reductions with few outputs split and scatter-adds made parallel before
// the host allocations move to device memory (the split allocates its
// partials), and the scalar work left outside parallel loops moved into
// them (-lip-scalars-into-loops) before the loops are mapped to the GPU,
// scf lowered inside gpu.module before convert-gpu-to-nvvm. Loops are tiled
// into blocks of 256 threads, the innermost dimension across a warp, with
// constant inner bounds (-lip-map-parallel-loops): the SCF-to-GPU
// conversion needs loop-invariant thread counts, and leaves a loop with
// min/max bounds on the host.
//
//===----------------------------------------------------------------------===//

#include "lipc/Pipelines/DeviceCodegen.h"

#include "lipc/Conversion/Passes.h"
#include "lipc/Support/CommandLinePassOptions.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

#include "llvm/Support/FileSystem.h"

#include <cstdlib>

using namespace mlir;

void mlir::lip::registerDeviceCodegenDialects(DialectRegistry &registry) {
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
}

std::string mlir::lip::cudaToolkitRoot() {
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (const char *value = std::getenv(variable); value && *value)
      return value;
  return "/usr/local/cuda";
}

std::string mlir::lip::findKernelAssembler() {
  std::string toolkit = cudaToolkitRoot();
  for (const char *tool : {"/bin/ptxas", "/bin/fatbinary"})
    if (!llvm::sys::fs::can_execute(toolkit + tool))
      return "";
  return toolkit;
}

llvm::Expected<std::string> mlir::lip::findLibdevice() {
  std::string toolkit = cudaToolkitRoot();
  std::string path = toolkit + "/nvvm/libdevice/libdevice.10.bc";
  if (llvm::sys::fs::exists(path))
    return path;
  return llvm::createStringError("the GPU kernels need CUDA's libdevice, not found at " + path +
                                 " (set CUDA_HOME to a CUDA toolkit)");
}

namespace {
/// Adds the passes that make parallel loops of the linalg ops, including
/// what would run as one thread or in the host code: reductions with few
/// outputs, scatter-adds, the scalar work between loops.
void addParallelLoopPasses(PassManager &pm) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(lip::createSplitReductions());
  func.addPass(lip::createParallelScatterAdd());
  func.addPass(createConvertLinalgToParallelLoopsPass());
  func.addPass(lip::createScalarsIntoLoops());
}

/// Adds the kernel pipeline (parallel loops to PTX in gpu.binary ops) to `pm`.
/// `target` must outlive the pipeline's run (the pass keeps its libdevice path).
void addKernelPasses(PassManager &pm, const lip::DeviceTarget &target) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(lip::createMapParallelLoops());
  func.addPass(createParallelLoopToGpuPass());
  pm.addPass(arith::createArithExpandOpsPass());
  // expand-strided-metadata leaves affine.apply behind: lower-affine after.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createGpuKernelOutliningPass());
  GpuNVVMAttachTargetOptions attach;
  attach.chip = target.chip;
  attach.features = target.features;
  attach.optLevel = 3;
  attach.linkLibs = ArrayRef<std::string>(target.libdevice);
  pm.addPass(createGpuNVVMAttachTarget(attach));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertSCFToCFPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createReconcileUnrealizedCastsPass());
}

/// Kernels as PTX text (LLVM's NVPTX back end, no CUDA needed), or with a
/// toolkit as fatbinaries: ptxas's sm_90 machine code, which the driver loads
/// as it is, beside the PTX, which it compiles for another GPU.
void addBinaryPass(PassManager &pm, const std::string &toolkit = "") {
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = toolkit.empty() ? "isa" : "fatbin";
  binary.toolkitPath = toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

} // namespace

LogicalResult mlir::lip::compileDeviceKernels(ModuleOp module, const DeviceTarget &target) {
  PassManager pm(module.getContext());
  if (failed(lipc::applyCommandLinePassOptions(pm)))
    return failure();
  addParallelLoopPasses(pm);
  addKernelPasses(pm, target);
  addBinaryPass(pm);
  return pm.run(module);
}

LogicalResult mlir::lip::lowerToGpuLLVMDialect(ModuleOp module, const DeviceTarget &target,
                                               StringRef prefix) {
  PassManager pm(module.getContext());
  if (failed(lipc::applyCommandLinePassOptions(pm)))
    return failure();
  PrefixSymbolsOptions renamed;
  renamed.prefix = prefix.str();
  pm.addPass(createPrefixSymbols(renamed));
  pm.addPass(createBufferizationToMemRefPass());
  addParallelLoopPasses(pm);
  pm.addPass(createAllocateOnDevice());
  addKernelPasses(pm, target);
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  addBinaryPass(pm, target.toolkit);
  return pm.run(module);
}

std::vector<std::pair<std::string, std::string>> mlir::lip::kernelAssembly(ModuleOp module) {
  std::vector<std::pair<std::string, std::string>> result;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects()) {
      auto object = dyn_cast<gpu::ObjectAttr>(attr);
      if (!object || object.getFormat() != gpu::CompilationTarget::Assembly)
        continue;
      // The PTX string is NUL-terminated; ptxas rejects the NUL.
      result.emplace_back(binary.getSymName().str(),
                          object.getObject().getValue().rtrim('\0').str());
    }
  });
  return result;
}
