//===- Codegen.h - From lip and lipopt to LLVM IR -------------------------===//
//
// The code generation pipeline: lip/lipopt -> linalg on tensors (elementwise
// chains fused) -> bufferized, matmuls as OpenBLAS calls through the runtime
// (or loops) -> LLVM dialect -> LLVM IR. The pipelines live here (one
// translation unit with the dialect registrations) so tools stay thin.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_PIPELINES_CODEGEN_H
#define LIPC_PIPELINES_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace mlir::lip {

/// Dialects, interface implementations and translations the pipeline needs.
void registerCodegenDialects(DialectRegistry &registry);

/// How matrix products are compiled.
enum class GemmBackend {
  Blas,   // calls to the runtime's liprt_sgemm (oneDNN, OpenBLAS); the default
  Cublas, // calls to liprt_cuda_sgemm (cuBLAS): the GPU build's products
  Loops,  // linalg's naive loops, optimized by LLVM (no BLAS)
};

/// How attention is compiled.
enum class AttentionLowering {
  RuntimeKernels, // the runtime's fused CPU kernels (-lip-attention-to-runtime)
  Linalg,         // scores, softmax and products in linalg (the GPU path, --gemm=loops)
  FusedLoops,     // one parallel loop iteration per row (-lip-attention-to-loops; GPU)
};

/// Options of the registered pipelines `lip-lower-to-linalg`.
struct LowerToLinalgOptions : PassPipelineOptions<LowerToLinalgOptions> {
  Option<AttentionLowering> attention{
      *this, "attention", llvm::cl::desc("How attention is compiled"),
      llvm::cl::init(AttentionLowering::RuntimeKernels),
      llvm::cl::values(
          clEnumValN(AttentionLowering::RuntimeKernels, "runtime", "the runtime's fused CPU kernels"),
          clEnumValN(AttentionLowering::Linalg, "linalg", "scores, softmax and products in linalg"),
          clEnumValN(AttentionLowering::FusedLoops, "fused-loops",
                     "fused parallel loops per row (-lip-attention-to-loops)"))};
};

/// Options of `lip-bufferize` and `lip-lower-to-llvm`.
struct BufferizeOptions : PassPipelineOptions<BufferizeOptions> {
  Option<GemmBackend> gemm{
      *this, "gemm", llvm::cl::desc("How matrix products are compiled"),
      llvm::cl::init(GemmBackend::Blas),
      llvm::cl::values(clEnumValN(GemmBackend::Blas, "blas", "the runtime's CPU products"),
                       clEnumValN(GemmBackend::Cublas, "cublas", "the runtime's cuBLAS products"),
                       clEnumValN(GemmBackend::Loops, "loops", "linalg's loops"))};
  ListOption<std::string> fastFunctions{
      *this, "fast-functions",
      llvm::cl::desc("Functions whose products may round their operands to fast-precision")};
  Option<std::string> fastPrecision{*this, "fast-precision",
                                    llvm::cl::desc("The format of fast-functions' operands: bf16 or tf32"),
                                    llvm::cl::init("bf16")};
};

/// The products that may round their operands (a model's forward and
/// backward pass under lipc --precision bf16 or tf32): those of `functions`,
/// to `precision` ("bf16" or "tf32").
struct FastProducts {
  std::vector<std::string> functions;
  std::string precision = "bf16";
};

/// lip-lower-to-linalg: drops what nothing calls, lowers lip/lipopt to
/// linalg on tensors (attention as the options say) and fuses elementwise
/// producers into their consumers. What `lipc --emit=linalg` prints.
void buildLowerToLinalgPipeline(OpPassManager &pm, const LowerToLinalgOptions &options);

/// lip-bufferize: the runtime's entry points (-lip-export-entry-points),
/// bufferization with buffers freed where they die, and matrix products as
/// runtime calls (-lip-matmul-to-blas) unless gemm=loops. The CPU and the
/// GPU paths both start here.
void buildBufferizePipeline(OpPassManager &pm, const BufferizeOptions &options);

/// lip-lower-to-llvm: lip-bufferize, then the CPU path to the LLVM dialect
/// (split functions, OpenMP loops, the step arena's allocation functions).
/// Translated, it is what `lipc --emit=llvm` prints before the packed entry
/// points and embedded strings are added.
void buildLowerToLLVMPipeline(OpPassManager &pm, const BufferizeOptions &options);

/// Registers the three pipelines above (for lip-opt).
void registerCodegenPipelines();

/// Runs lip-lower-to-linalg on `module` with MLIR's pass manager options
/// from the command line (--mlir-print-ir-after-all, --mlir-timing, ...).
LogicalResult lowerToLinalg(ModuleOp module, AttentionLowering attention);

/// Runs lip-bufferize on `module`, the products of `fast` allowed their
/// rounded operands.
LogicalResult bufferize(ModuleOp module, GemmBackend gemm, const FastProducts &fast = {});

/// Runs lip-lower-to-llvm on `module`.
LogicalResult lowerToLLVMDialect(ModuleOp module, GemmBackend gemm = GemmBackend::Blas,
                                 const FastProducts &fast = {});

/// Translates an LLVM-dialect module to LLVM IR.
std::unique_ptr<llvm::Module> translateToLLVMIR(ModuleOp module, llvm::LLVMContext &context);

/// Adds `lipc_<name>(void **args)` next to every C entry point
/// `_mlir_ciface_<name>`: args[k] is the k-th pointer that entry takes (the
/// results struct first, then the argument descriptors), so a runtime can
/// call a step of any signature.
llvm::Error addPackedEntryPoints(llvm::Module &module);

/// Embeds `text` in `module` as the NUL-terminated constant global `symbol`.
void embedString(llvm::Module &module, llvm::StringRef symbol, llvm::StringRef text);

} // namespace mlir::lip

#endif // LIPC_PIPELINES_CODEGEN_H
