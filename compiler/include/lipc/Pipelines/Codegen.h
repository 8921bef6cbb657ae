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
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <optional>
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
};

/// Drops what nothing calls, lowers lip/lipopt to linalg on tensors (with
/// attention as `attention` says) and fuses elementwise producers into
/// their consumers.
LogicalResult lowerToLinalg(ModuleOp module, AttentionLowering attention);

/// Bufferizes a linalg module (buffers freed where they die) and, for
/// GemmBackend::Blas or Cublas, turns its matrix products into runtime calls, those
/// of `bf16Functions` allowed bf16 operands (-lip-matmul-to-blas); public
/// functions get the C entry point `_mlir_ciface_<name>`. The CPU and the
/// GPU paths both start here.
LogicalResult bufferize(ModuleOp module, GemmBackend gemm,
                        ArrayRef<std::string> bf16Functions = {});

/// Bufferizes and lowers a linalg module to the LLVM dialect.
LogicalResult lowerToLLVMDialect(ModuleOp module, GemmBackend gemm = GemmBackend::Blas,
                                 ArrayRef<std::string> bf16Functions = {});

/// Translates an LLVM-dialect module to LLVM IR.
std::unique_ptr<llvm::Module> translateToLLVMIR(ModuleOp module, llvm::LLVMContext &context);

/// Adds `lipc_<name>(void **args)` next to every C entry point
/// `_mlir_ciface_<name>`: args[k] is the k-th pointer that entry takes (the
/// results struct first, then the argument descriptors), so a runtime can
/// call a step of any signature. Errors are returned as a message.
std::optional<std::string> addPackedEntryPoints(llvm::Module &module);

/// Embeds `text` in `module` as the NUL-terminated constant global `symbol`.
void embedString(llvm::Module &module, llvm::StringRef symbol, llvm::StringRef text);

} // namespace mlir::lip

#endif // LIPC_PIPELINES_CODEGEN_H
