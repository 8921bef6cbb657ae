//===- lip-opt.cpp - Run lip passes on MLIR files -------------------------===//
//
// A thin MlirOptMain over the lip dialect, lipc's passes and pipelines
// (lip-lower-to-linalg, lip-bufferize, lip-lower-to-llvm: each stage lipc
// runs) and the test passes; all generic flags (--mlir-print-ir-after-all,
// --mlir-timing, ...) work.
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/Lip/LipDialect.h"
#include "lip/Dialect/LipOpt/LipOptDialect.h"
#include "lipc/Conversion/Passes.h"
#include "lipc/Pipelines/Codegen.h"
#include "lipc/Pipelines/DeviceCodegen.h"
#include "lipc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::lip::test {
void registerTestPasses();
} // namespace mlir::lip::test

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  // The GPU path's loops before -lip-scalars-into-loops.
  mlir::registerConvertLinalgToParallelLoopsPass();
  mlir::lip::registerLipcPasses();
  mlir::lip::registerLipcConversionPasses();
  mlir::lip::registerCodegenPipelines();
  mlir::lip::test::registerTestPasses();

  mlir::DialectRegistry registry;
  // cf is here so that tests can show what the analysis does with control flow.
  registry.insert<mlir::lip::LipDialect, mlir::lipopt::LipOptDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::tensor::TensorDialect, mlir::bufferization::BufferizationDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::cf::ControlFlowDialect>();
  // What the codegen pipelines produce and need (bufferization models,
  // conversions to LLVM, the GPU and NVVM dialects).
  mlir::lip::registerCodegenDialects(registry);
  mlir::lip::registerDeviceCodegenDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "lip optimizer driver\n", registry));
}
