// With single-process (a lowering without the runtime, such as MLIR's
// runner) the form on tensors goes too: each result is its operand.
// RUN: lip-opt %s -lip-all-reduce-to-runtime=single-process | FileCheck %s

// CHECK-LABEL: func.func @on_tensors
// CHECK-NEXT: return %arg0, %arg1
// CHECK-NOT: liprt_all_reduce_mean
func.func @on_tensors(%loss: tensor<f32>, %g: tensor<8x4xf32>) -> (tensor<f32>, tensor<8x4xf32>) {
  %0:2 = lipopt.all_reduce %loss, %g : tensor<f32>, tensor<8x4xf32>
  return %0#0, %0#1 : tensor<f32>, tensor<8x4xf32>
}
