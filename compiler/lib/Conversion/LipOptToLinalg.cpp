//===- LipOptToLinalg.cpp - Lower lipopt ops to linalg on tensors ---------===//
//
// -convert-lipopt-to-linalg: the optimizer's and the projections' ops
// (LowerOptimizer.cpp's patterns) to linalg, tensor, arith, math and scf on
// tensors. A module pass: the exact cap's lowering declares the runtime
// function it calls in the module.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"
#include "lipc/Conversion/Passes.h"

#include "lip/Dialect/LipOpt/LipOptDialect.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::lip {
#define GEN_PASS_DEF_CONVERTLIPOPTTOLINALG
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip::lowering;

namespace {
struct ConvertLipOptToLinalg final
    : lip::impl::ConvertLipOptToLinalgBase<ConvertLipOptToLinalg> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The exact cap is the runtime's float32 kernel: say so at the op rather
    // than leave a bare legalization failure.
    WalkResult exact = module.walk([&](lipopt::ExactCapOp op) {
      auto type = cast<RankedTensorType>(op.getType());
      if (type.getElementType().isF32() && type.hasStaticShape())
        return WalkResult::advance();
      op.emitError("exact_cap is compiled for float32 weights of a static shape, not ") << type;
      return WalkResult::interrupt();
    });
    if (exact.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateLowerOptimizerPatterns(patterns);
    populateLowerProjectionPatterns(patterns);
    ConversionTarget target(getContext());
    target.addLegalDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                           linalg::LinalgDialect, math::MathDialect, memref::MemRefDialect,
                           scf::SCFDialect, tensor::TensorDialect, func::FuncDialect>();
    target.addIllegalDialect<lipopt::LipOptDialect>();
    // The collective stays: it bufferizes in place, and
    // -lip-all-reduce-to-runtime lowers it on buffers.
    target.addLegalOp<lipopt::AllReduceOp>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
