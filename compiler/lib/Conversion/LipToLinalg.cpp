//===- LipToLinalg.cpp - Lower lip ops to linalg on tensors ---------------===//
//
// -convert-lip-to-linalg: one rewrite pattern per op, all on tensors (the
// result types do not change), so bufferization and the CPU/GPU pipelines
// downstream see ordinary linalg.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"
#include "lipc/Conversion/Passes.h"

#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace mlir::lip {
#define GEN_PASS_DEF_CONVERTLIPTOLINALG
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip;
using namespace mlir::lip::lowering;

namespace {
/// Patterns for ops whose result is a function of their operands elementwise.
template <typename OpT>
struct ElementwisePattern : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  virtual Value compute(OpT op, OpBuilder &b, Location loc, ValueRange x) const = 0;

  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Value result = elementwise(rewriter, op.getLoc(), op->getOperands(),
                               [&](OpBuilder &b, Location loc, ValueRange x) {
                                 return compute(op, b, loc, x);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerRelu : ElementwisePattern<ReluOp> {
  using ElementwisePattern::ElementwisePattern;
  Value compute(ReluOp, OpBuilder &b, Location loc, ValueRange x) const override {
    return b.create<arith::MaximumFOp>(loc, x[0], constantLike(b, loc, x[0].getType(), 0.0));
  }
};

struct LowerAbs : ElementwisePattern<AbsOp> {
  using ElementwisePattern::ElementwisePattern;
  Value compute(AbsOp, OpBuilder &b, Location loc, ValueRange x) const override {
    return b.create<math::AbsFOp>(loc, x[0]);
  }
};

struct LowerScale : ElementwisePattern<ScaleOp> {
  using ElementwisePattern::ElementwisePattern;
  Value compute(ScaleOp op, OpBuilder &b, Location loc, ValueRange x) const override {
    Value c = constantLike(b, loc, x[0].getType(), op.getFactor().convertToDouble());
    return b.create<arith::MulFOp>(loc, c, x[0]);
  }
};

struct LowerAdd : ElementwisePattern<AddOp> {
  using ElementwisePattern::ElementwisePattern;
  Value compute(AddOp, OpBuilder &b, Location loc, ValueRange x) const override {
    return b.create<arith::AddFOp>(loc, x[0], x[1]);
  }
};

struct LowerResidual : ElementwisePattern<ResidualOp> {
  using ElementwisePattern::ElementwisePattern;
  Value compute(ResidualOp op, OpBuilder &b, Location loc, ValueRange x) const override {
    double alpha = op.getAlpha().convertToDouble();
    Value keep = b.create<arith::MulFOp>(loc, constantLike(b, loc, x[0].getType(), 1 - alpha), x[0]);
    Value branch = b.create<arith::MulFOp>(loc, constantLike(b, loc, x[1].getType(), alpha), x[1]);
    return b.create<arith::AddFOp>(loc, keep, branch);
  }
};

struct LowerGelu : ElementwisePattern<GeluOp> {
  using ElementwisePattern::ElementwisePattern;
  Value compute(GeluOp op, OpBuilder &b, Location loc, ValueRange x) const override {
    Type t = x[0].getType();
    auto c = [&](double v) { return constantLike(b, loc, t, v); };
    Value inner;
    if (op.getTanh()) {
      // tanh(sqrt(2/pi) (x + 0.044715 x^3))
      Value x3 = b.create<arith::MulFOp>(loc, x[0], b.create<arith::MulFOp>(loc, x[0], x[0]));
      Value poly = b.create<arith::AddFOp>(loc, x[0], b.create<arith::MulFOp>(loc, c(0.044715), x3));
      inner = b.create<math::TanhOp>(loc, b.create<arith::MulFOp>(loc, c(std::sqrt(2 / M_PI)), poly));
    } else {
      inner = b.create<math::ErfOp>(loc, b.create<arith::MulFOp>(loc, c(1 / std::sqrt(2.0)), x[0]));
    }
    // scale * 0.5 * x * (1 + inner)
    Value half = b.create<arith::MulFOp>(loc, c(0.5 * op.getScale().convertToDouble()), x[0]);
    return b.create<arith::MulFOp>(loc, half, b.create<arith::AddFOp>(loc, c(1.0), inner));
  }
};

/// y = x W^T: rows of x (all leading dimensions) times W transposed.
struct LowerLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    auto resultType = op.getType();
    int64_t rank = xType.getRank();
    if (rank < 2)
      return b.notifyMatchFailure(op, "a single token: no rows to multiply");
    SmallVector<ReassociationIndices> rows;
    if (rank > 2) {
      ReassociationIndices leading;
      for (int64_t i = 0; i + 1 < rank; ++i)
        leading.push_back(i);
      rows = {leading, {rank - 1}};
      x = b.create<tensor::CollapseShapeOp>(loc, x, rows);
    }
    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
    sizes.back() = b.getIndexAttr(resultType.getShape().back());
    auto matType = RankedTensorType::get(
        {cast<RankedTensorType>(x.getType()).getDimSize(0), resultType.getShape().back()},
        resultType.getElementType());
    Value zero = constantLike(b, loc, resultType.getElementType(), 0.0);
    Value init = b.create<linalg::FillOp>(loc, zero, emptyOf(b, loc, matType, sizes)).getResult(0);
    Value y = b.create<linalg::MatmulTransposeBOp>(loc, matType, ValueRange{x, op.getWeight()},
                                                   ValueRange{init})
                  .getResult(0);
    if (rank > 2) {
      SmallVector<OpFoldResult> shape = sizesOf(b, loc, op.getInput());
      shape.back() = b.getIndexAttr(resultType.getShape().back());
      y = b.create<tensor::ExpandShapeOp>(loc, resultType, y, rows, shape);
    }
    b.replaceOp(op, y);
    return success();
  }
};

/// flatten and merge_heads collapse dimensions; split_heads expands one.
struct LowerFlatten : OpRewritePattern<FlattenOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FlattenOp op, PatternRewriter &b) const override {
    ReassociationIndices features;
    for (int64_t i = 1; i < cast<RankedTensorType>(op.getInput().getType()).getRank(); ++i)
      features.push_back(i);
    b.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, op.getType(), op.getInput(),
                                                  SmallVector<ReassociationIndices>{{0}, features});
    return success();
  }
};

struct LowerMergeHeads : OpRewritePattern<MergeHeadsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MergeHeadsOp op, PatternRewriter &b) const override {
    b.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, op.getType(), op.getInput(), SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    return success();
  }
};

struct LowerSplitHeads : OpRewritePattern<SplitHeadsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitHeadsOp op, PatternRewriter &b) const override {
    SmallVector<OpFoldResult> shape = sizesOf(b, op.getLoc(), op.getInput());
    shape.pop_back();
    shape.push_back(b.getIndexAttr(op.getType().getDimSize(2)));
    shape.push_back(b.getIndexAttr(op.getType().getDimSize(3)));
    b.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, op.getType(), op.getInput(),
                                                SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
                                                shape);
    return success();
  }
};

struct ConvertLipToLinalgPass final
    : lip::impl::ConvertLipToLinalgBase<ConvertLipToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    WalkResult params = module.walk([&](ParamOp p) {
      p.emitError("parameters must be function arguments to generate code (lower the gradient "
                  "or training function)");
      return WalkResult::interrupt();
    });
    if (params.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerRelu, LowerAbs, LowerScale, LowerAdd, LowerResidual, LowerGelu, LowerLinear,
                 LowerFlatten, LowerMergeHeads, LowerSplitHeads>(&getContext());
    populateLowerSequencePatterns(patterns);
    populateLowerBackwardPatterns(patterns);
    ConversionTarget target(getContext());
    target.addLegalDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                           linalg::LinalgDialect, math::MathDialect, memref::MemRefDialect,
                           scf::SCFDialect, tensor::TensorDialect, func::FuncDialect>();
    target.addIllegalDialect<LipDialect>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
