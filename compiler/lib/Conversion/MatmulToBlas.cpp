//===- MatmulToBlas.cpp - f32 matmuls on memrefs to the runtime's GEMM ----===//
//
// -lip-matmul-to-blas: the GEMMs of a training step (the layers' forward and
// backward products, Newton-Schulz and the caps' Gram products) dominate its
// time; naive loops reach about 1 GFLOP/s, OpenBLAS two orders more. The
// pass runs after bufferization, where a matmul's operands are buffers the
// runtime can hand to cblas_sgemm as (pointer, leading dimension).
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::lip {
#define GEN_PASS_DEF_MATMULTOBLAS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
constexpr llvm::StringLiteral gemmName = "liprt_sgemm";

/// memref<?x?xf32, strided<[?, ?], offset: ?>>: every f32 matrix buffer casts
/// to it, so one declaration serves all layouts.
MemRefType dynamicMatrixType(MLIRContext *context) {
  int64_t dynamic = ShapedType::kDynamic;
  auto layout = StridedLayoutAttr::get(context, dynamic, {dynamic, dynamic});
  return MemRefType::get({dynamic, dynamic}, Float32Type::get(context), layout);
}

func::FuncOp declareGemm(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(gemmName))
    return existing;
  MLIRContext *context = module.getContext();
  MemRefType matrix = dynamicMatrixType(context);
  Type flag = IntegerType::get(context, 32);
  auto type = FunctionType::get(context, {matrix, matrix, matrix, flag, flag}, {});
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto decl = b.create<func::FuncOp>(module.getLoc(), gemmName, type);
  decl.setPrivate();
  decl->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(context));
  return decl;
}

/// Whether `op` is a matmul the runtime's GEMM computes, and with which
/// operands transposed.
std::optional<std::pair<bool, bool>> gemmTransposes(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op->getNumOperands() != 3)
    return std::nullopt;
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || type.getRank() != 2 || !type.getElementType().isF32())
      return std::nullopt;
  }
  if (isa<linalg::MatmulOp>(op))
    return std::make_pair(false, false);
  if (isa<linalg::MatmulTransposeAOp>(op))
    return std::make_pair(true, false);
  if (isa<linalg::MatmulTransposeBOp>(op))
    return std::make_pair(false, true);
  return std::nullopt;
}

struct MatmulToBlas : lip::impl::MatmulToBlasBase<MatmulToBlas> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<linalg::LinalgOp, std::pair<bool, bool>>> matmuls;
    module.walk([&](linalg::LinalgOp op) {
      if (auto transposes = gemmTransposes(op))
        matmuls.emplace_back(op, *transposes);
    });
    if (matmuls.empty())
      return;
    func::FuncOp gemm = declareGemm(module);
    MemRefType matrix = dynamicMatrixType(&getContext());
    for (auto [op, transposes] : matmuls) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      SmallVector<Value> args;
      for (Value operand : op->getOperands())
        args.push_back(b.create<memref::CastOp>(loc, matrix, operand));
      args.push_back(b.create<arith::ConstantIntOp>(loc, transposes.first, 32));
      args.push_back(b.create<arith::ConstantIntOp>(loc, transposes.second, 32));
      b.create<func::CallOp>(loc, gemm, args);
      op->erase();
    }
  }
};
} // namespace
