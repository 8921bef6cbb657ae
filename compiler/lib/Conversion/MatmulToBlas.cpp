//===- MatmulToBlas.cpp - f32 matmuls on memrefs to the runtime's GEMM ----===//
//
// -lip-matmul-to-blas: the GEMMs of a training step (the layers' forward and
// backward products, Newton-Schulz and the caps' Gram products) dominate its
// time; naive loops reach about 1 GFLOP/s, OpenBLAS two orders more. The
// functions named in fast-functions (the model's forward and backward pass
// under --precision bf16 or tf32) pass fast-precision's code: their
// products may round operands to bf16 or TF32; the optimizer's, on which
// the certificate rests, never do. The
// pass runs after bufferization, where a matmul's operands are buffers the
// runtime can hand to cblas_sgemm as (pointer, leading dimension). A zero
// fill of the output just before the product is dropped: the call then
// overwrites the output (beta 0) instead of a pass of memset first.
//
//===----------------------------------------------------------------------===//

#include "LipToLinalgPatterns.h"

#include "lipc/Conversion/Passes.h"

#include "lipc_abi.h"

namespace mlir::lip {
#define GEN_PASS_DEF_MATMULTOBLAS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
/// The runtime's entry for a product of rank-`rank` operands: a matrix
/// product (2) or one per leading index (3, the batched form); cuBLAS's for
/// the GPU build.
std::string gemmName(int64_t rank, bool cuda) {
  return std::string(cuda ? "liprt_cuda_" : "liprt_") + (rank == 2 ? "sgemm" : "sgemm_batched");
}

func::FuncOp declareGemm(ModuleOp module, int64_t rank, bool cuda) {
  MLIRContext *context = module.getContext();
  MemRefType operand = lip::lowering::anyLayoutMemRefType(Float32Type::get(context), rank);
  Type flag = IntegerType::get(context, 32);
  return lip::lowering::declareRuntimeFunction(
      module, gemmName(rank, cuda),
      FunctionType::get(context, {operand, operand, operand, flag, flag, flag, flag}, {}));
}

/// liprt_ssyrk(A, C, transpose): C = A A^T, or A^T A with transpose = 1.
func::FuncOp declareGram(ModuleOp module) {
  MLIRContext *context = module.getContext();
  MemRefType operand = lip::lowering::anyLayoutMemRefType(Float32Type::get(context), 2);
  return lip::lowering::declareRuntimeFunction(
      module, "liprt_ssyrk",
      FunctionType::get(context, {operand, operand, IntegerType::get(context, 32)}, {}));
}

/// The linalg.fill of zeros into `op`'s output just before it, if any: the
/// product then overwrites the output instead of adding to it.
linalg::FillOp zeroFillBefore(linalg::LinalgOp op) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
  if (!fill || !fill.hasPureBufferSemantics() || fill.getOutputs()[0] != op->getOperand(2))
    return nullptr;
  return matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) ? fill : nullptr;
}

struct Gemm {
  int64_t rank;
  bool transposeA, transposeB;
};

/// Whether `op` is a product the runtime computes, and how.
std::optional<Gemm> asGemm(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op->getNumOperands() != 3)
    return std::nullopt;
  auto rankOf = [&](unsigned i) { return cast<MemRefType>(op->getOperand(i).getType()).getRank(); };
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
  }
  if (rankOf(0) != rankOf(1) || rankOf(0) != rankOf(2))
    return std::nullopt;
  int64_t rank = rankOf(0);
  if (rank == 2 && isa<linalg::MatmulOp>(op))
    return Gemm{2, false, false};
  if (rank == 2 && isa<linalg::MatmulTransposeAOp>(op))
    return Gemm{2, true, false};
  if (rank == 2 && isa<linalg::MatmulTransposeBOp>(op))
    return Gemm{2, false, true};
  if (rank == 3 && isa<linalg::BatchMatmulOp>(op))
    return Gemm{3, false, false};
  if (rank == 3 && isa<linalg::BatchMatmulTransposeAOp>(op))
    return Gemm{3, true, false};
  if (rank == 3 && isa<linalg::BatchMatmulTransposeBOp>(op))
    return Gemm{3, false, true};
  return std::nullopt;
}

struct MatmulToBlas : lip::impl::MatmulToBlasBase<MatmulToBlas> {
  using MatmulToBlasBase::MatmulToBlasBase;

  /// The precision `op`'s product may round its operands to.
  lipc::abi::ProductPrecision precisionOf(Operation *op, lipc::abi::ProductPrecision fast) {
    auto func = op->getParentOfType<func::FuncOp>();
    return func && llvm::is_contained(fastFunctions, func.getSymName()) ? fast
                                                                        : lipc::abi::ProductPrecision::Fp32;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<lipc::abi::ProductPrecision> fast = lipc::abi::precisionFromName(fastPrecision);
    if (!fast || *fast == lipc::abi::ProductPrecision::Fp32) {
      module.emitError() << "-lip-matmul-to-blas: fast-precision must be bf16 or tf32, got '" << fastPrecision
                         << "'";
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::LinalgOp, Gemm>> products;
    module.walk([&](linalg::LinalgOp op) {
      if (std::optional<Gemm> gemm = asGemm(op))
        products.emplace_back(op, *gemm);
    });
    for (auto [op, gemm] : products) {
      MemRefType operandType =
          lip::lowering::anyLayoutMemRefType(Float32Type::get(&getContext()), gemm.rank);
      linalg::FillOp zeros = zeroFillBefore(op);
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto cast = [&](Value operand) {
        return b.create<memref::CastOp>(loc, operandType, operand).getResult();
      };
      auto flag = [&](int64_t value) {
        return b.create<arith::ConstantIntOp>(loc, value, 32).getResult();
      };
      // The same operand on both sides of A A^T or A^T A: a Gram product,
      // symmetric by construction, which OpenBLAS computes by halves.
      bool gram = !cuda && zeros && gemm.rank == 2 && gemm.transposeA != gemm.transposeB &&
                  op->getOperand(0) == op->getOperand(1);
      if (gram) {
        b.create<func::CallOp>(loc, declareGram(module),
                               ValueRange{cast(op->getOperand(0)), cast(op->getOperand(2)),
                                          flag(gemm.transposeA)});
      } else {
        b.create<func::CallOp>(loc, declareGemm(module, gemm.rank, cuda),
                               ValueRange{cast(op->getOperand(0)), cast(op->getOperand(1)),
                                          cast(op->getOperand(2)), flag(gemm.transposeA),
                                          flag(gemm.transposeB), flag(!zeros),
                                          flag(static_cast<int64_t>(precisionOf(op, *fast)))});
      }
      op->erase();
      if (zeros)
        zeros->erase();
    }
  }
};
} // namespace
