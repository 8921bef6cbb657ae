//===- Passes.td - Lowerings out of the lip dialects --------*- tablegen -*-===//

#ifndef LIPC_CONVERSION_PASSES_TD
#define LIPC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLipToLinalg : Pass<"convert-lip-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower lip ops to linalg, tensor, arith and math on tensors";
  let description = [{
    The first step of native code generation: linear layers become
    `linalg.matmul_transpose_b` on the tokens collapsed to rows, elementwise
    ops (relu, abs, gelu, scale, add, residual) become `linalg.generic`, and
    reshapes (flatten, split/merge heads) become `tensor.collapse_shape` /
    `tensor.expand_shape`. Parameters must be function arguments (lower the
    gradient or training function, not the forward declaration of a model).

    Work in progress: attention, rope, embedding, maxmin, mean_pool, the loss,
    the backward and the lipopt ops have no lowering yet and are reported as
    such.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"];
}

#endif // LIPC_CONVERSION_PASSES_TD
