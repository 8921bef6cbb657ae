//===- Codegen.cpp - From lip and lipopt to LLVM IR -----------------------===//
//
// The only translation unit that includes the conversion and bufferization
// registrations (they are heavy to compile); everything else calls the
// functions in Codegen.h.
//
//===----------------------------------------------------------------------===//

#include "lipc/Pipelines/Codegen.h"

#include "lipc/Conversion/Passes.h"
#include "lipc/Support/CommandLinePassOptions.h"
#include "lipc_abi.h"

#include "lip/Dialect/LipOpt/BufferizableOpInterfaceImpl.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;

void mlir::lip::registerCodegenDialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, arith::ArithDialect, bufferization::BufferizationDialect,
                  cf::ControlFlowDialect, func::FuncDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect, omp::OpenMPDialect,
                  scf::SCFDialect,
                  tensor::TensorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  lipopt::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
}

void mlir::lip::buildLowerToLinalgPipeline(OpPassManager &pm,
                                           const LowerToLinalgOptions &options) {
  pm.addPass(createSymbolDCEPass());
  if (options.attention == AttentionLowering::RuntimeKernels)
    pm.addPass(createAttentionToRuntime());
  else if (options.attention == AttentionLowering::FusedLoops)
    pm.addPass(createAttentionToLoops());
  pm.addPass(createConvertLipOptToLinalg());
  pm.addPass(createConvertLipToLinalg());
  pm.addPass(createCanonicalizerPass());
  // Chains of elementwise generics (GELU, masking, softmax pieces, residual
  // mixing, the optimizer's updates) become one loop nest each: a tensor
  // written and read again costs a trip through memory per op.
  pm.addNestedPass<func::FuncOp>(createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
}

void mlir::lip::buildBufferizePipeline(OpPassManager &pm, const BufferizeOptions &options) {
  pm.addPass(createExportEntryPoints());
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  // The gradients' all_reduce, now in place on their buffers.
  pm.addPass(createAllReduceToRuntime());
  // Upstream's buffer-deallocation-pipeline, with the step's buffers freed
  // at their last use rather than at the end of the step.
  pm.addPass(memref::createExpandReallocPass(/*emitDeallocs=*/false));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addNestedPass<func::FuncOp>(createDeallocAtLastUse());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  if (options.gemm != GemmBackend::Loops) {
    MatmulToBlasOptions products;
    products.fastFunctions = options.fastFunctions; // copied by the pass
    products.fastPrecision = options.fastPrecision;
    products.cuda = options.gemm == GemmBackend::Cublas;
    pm.addPass(createMatmulToBlas(products));
  }
}

void mlir::lip::buildLowerToLLVMPipeline(OpPassManager &pm, const BufferizeOptions &options) {
  buildBufferizePipeline(pm, options);
  // Bounded functions: LLVM's cost grows faster than a function's size, so
  // one giant step made compile time quadratic in depth.
  pm.addPass(createSplitFunctions());
  // Every loop nest's outermost parallel dimension is shared out among the
  // OpenMP runtime's threads (a static schedule: no reduction crosses
  // threads, so the results do not depend on the thread count).
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createParallelOuterLoop());
  pm.addPass(createConvertSCFToOpenMPPass());
  // The loop bodies' memref.alloca_scope (they hold no alloca) go inline:
  // lowered to branches they would not verify.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // exp, log, sin and cos become LLVM intrinsics, erf and tanh libm calls;
  // LLVM vectorizes loops over both with glibc's vector math (libmvec:
  // ObjectEmission.cpp).
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Allocations call the runtime's step arena (liprt/StepArena.h), which
  // keeps freed blocks for the next step instead of returning them to the
  // system: a step runs in the memory the previous one used.
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::lip::registerCodegenPipelines() {
  PassPipelineRegistration<LowerToLinalgOptions>(
      "lip-lower-to-linalg", "lip and lipopt to linalg on tensors (lipc --emit=linalg)",
      buildLowerToLinalgPipeline);
  PassPipelineRegistration<BufferizeOptions>(
      "lip-bufferize", "Entry points, bufferization, deallocation and runtime products",
      buildBufferizePipeline);
  PassPipelineRegistration<BufferizeOptions>(
      "lip-lower-to-llvm", "linalg on tensors to the LLVM dialect (the CPU path)",
      buildLowerToLLVMPipeline);
}

namespace {
/// Runs `build`'s passes on `module` under MLIR's pass manager options from
/// the command line (IR printing, timing, crash reproducers), where the
/// tool registered them.
LogicalResult runPipeline(ModuleOp module, llvm::function_ref<void(OpPassManager &)> build) {
  PassManager pm(module.getContext());
  if (failed(lipc::applyCommandLinePassOptions(pm)))
    return failure();
  build(pm);
  return pm.run(module);
}
} // namespace

LogicalResult mlir::lip::lowerToLinalg(ModuleOp module, AttentionLowering attention) {
  LowerToLinalgOptions options;
  options.attention = attention;
  return runPipeline(module, [&](OpPassManager &pm) { buildLowerToLinalgPipeline(pm, options); });
}

namespace {
/// Runs `build` (lip-bufferize or lip-lower-to-llvm) with these options.
LogicalResult runBufferizeStage(ModuleOp module, lip::GemmBackend gemm, const lip::FastProducts &fast,
                                void (*build)(OpPassManager &, const lip::BufferizeOptions &)) {
  lip::BufferizeOptions options;
  options.gemm = gemm;
  options.fastFunctions = fast.functions;
  options.fastPrecision = fast.precision;
  return runPipeline(module, [&](OpPassManager &pm) { build(pm, options); });
}
} // namespace

LogicalResult mlir::lip::bufferize(ModuleOp module, GemmBackend gemm, const FastProducts &fast) {
  return runBufferizeStage(module, gemm, fast, buildBufferizePipeline);
}

LogicalResult mlir::lip::lowerToLLVMDialect(ModuleOp module, GemmBackend gemm, const FastProducts &fast) {
  return runBufferizeStage(module, gemm, fast, buildLowerToLLVMPipeline);
}

std::unique_ptr<llvm::Module> mlir::lip::translateToLLVMIR(ModuleOp module,
                                                           llvm::LLVMContext &context) {
  return translateModuleToLLVMIR(module, context);
}

llvm::Error mlir::lip::addPackedEntryPoints(llvm::Module &module) {
  constexpr llvm::StringLiteral prefix = "_mlir_ciface_";
  SmallVector<llvm::Function *> entries;
  for (llvm::Function &f : module)
    if (!f.isDeclaration() && f.getName().starts_with(prefix))
      entries.push_back(&f);
  llvm::LLVMContext &context = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(context);
  for (llvm::Function *entry : entries) {
    std::string name =
        (StringRef(lipc::abi::kEntryPrefix) + entry->getName().drop_front(prefix.size())).str();
    auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr}, false);
    auto *packed =
        llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, name, module);
    llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "entry", packed));
    SmallVector<llvm::Value *> args;
    for (llvm::Argument &arg : entry->args()) {
      if (!arg.getType()->isPointerTy())
        return llvm::createStringError("the C entry point " + entry->getName().str() +
                                       " takes a non-pointer argument");
      llvm::Value *slot = builder.CreateConstGEP1_64(ptr, packed->getArg(0), arg.getArgNo());
      args.push_back(builder.CreateLoad(ptr, slot));
    }
    builder.CreateCall(entry, args);
    builder.CreateRetVoid();
  }
  return llvm::Error::success();
}

void mlir::lip::embedString(llvm::Module &module, llvm::StringRef symbol, llvm::StringRef text) {
  llvm::Constant *data = llvm::ConstantDataArray::getString(module.getContext(), text);
  new llvm::GlobalVariable(module, data->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, data, symbol);
}
