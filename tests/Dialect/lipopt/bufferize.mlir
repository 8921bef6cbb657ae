// lipopt.all_reduce in one-shot bufferization (lip-bufferize): in place on
// the buffers the gradient function returns, no copy, then lowered to the
// runtime's calls by -lip-all-reduce-to-runtime.
// RUN: lip-opt %s --lip-bufferize | FileCheck %s

// CHECK-LABEL: func.func @step
// CHECK-NEXT: %[[G:.*]]:2 = call @grad
// CHECK-NEXT: %[[L:.*]] = memref.cast %[[G]]#0 : memref<f32> to memref<*xf32>
// CHECK-NEXT: call @liprt_all_reduce_mean(%[[L]])
// CHECK-NEXT: %[[W:.*]] = memref.cast %[[G]]#1 : memref<4x2xf32> to memref<*xf32>
// CHECK-NEXT: call @liprt_all_reduce_mean(%[[W]])
// CHECK-NEXT: return %[[G]]#0, %[[G]]#1
func.func private @grad(%x: tensor<4x2xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %s = arith.constant dense<1.0> : tensor<f32>
  %e = tensor.empty() : tensor<4x2xf32>
  %g = linalg.add ins(%x, %x : tensor<4x2xf32>, tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %s, %g : tensor<f32>, tensor<4x2xf32>
}
func.func @step(%x: tensor<4x2xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %l, %g = call @grad(%x) : (tensor<4x2xf32>) -> (tensor<f32>, tensor<4x2xf32>)
  %0:2 = lipopt.all_reduce %l, %g : tensor<f32>, tensor<4x2xf32>
  return %0#0, %0#1 : tensor<f32>, tensor<4x2xf32>
}

// A tensor read again after the collective keeps its value: the op works
// on a copy of it.
// CHECK-LABEL: func.func @read_again
// CHECK: %[[C:.*]] = memref.alloc
// CHECK: memref.copy %{{.*}}, %[[C]]
// CHECK: call @liprt_all_reduce_mean
func.func @read_again(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %0 = lipopt.all_reduce %x : tensor<4x2xf32>
  return %0, %x : tensor<4x2xf32>, tensor<4x2xf32>
}
