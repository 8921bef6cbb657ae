// RUN: lip-opt %s -split-input-file -lip-attention-to-runtime | FileCheck %s

// The forward: operands in as read-only buffers of any layout, one fresh
// buffer for the result (sized like the query, batch dynamic), flags and
// scales as scalars, all memrefs cast to the declaration's strided type.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[Q:.*]]: tensor<?x8x2x4xf32>, %[[K:.*]]: tensor<?x8x2x4xf32>, %[[V:.*]]: tensor<?x8x2x4xf32>)
// CHECK: %[[QB:.*]] = bufferization.to_memref %[[Q]] read_only : memref<?x8x2x4xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK: %[[QA:.*]] = memref.cast %[[QB]] : memref<?x8x2x4xf32, strided<[?, ?, ?, ?], offset: ?>> to memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK: bufferization.to_memref %[[K]] read_only
// CHECK: bufferization.to_memref %[[V]] read_only
// CHECK: %[[B:.*]] = tensor.dim %[[Q]], %c0
// CHECK: %[[OUT:.*]] = memref.alloc(%[[B]]) : memref<?x8x2x4xf32>
// CHECK: %[[OA:.*]] = memref.cast %[[OUT]]
// CHECK: %[[CAUSAL:.*]] = arith.constant 1 : i32
// CHECK: %[[SCALE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK: %[[FACTOR:.*]] = arith.constant 0.33333333333333331 : f64
// CHECK: call @liprt_attention(%[[QA]], %{{.*}}, %{{.*}}, %[[OA]], %[[CAUSAL]], %[[SCALE]], %[[FACTOR]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict : memref<?x8x2x4xf32>
// CHECK: return %[[R]]
// CHECK-NOT: lip.attention
// CHECK: func.func private @liprt_attention(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i32, f64, f64) attributes {llvm.emit_c_interface}
func.func @forward(%q: tensor<?x8x2x4xf32>, %k: tensor<?x8x2x4xf32>, %v: tensor<?x8x2x4xf32>) -> tensor<?x8x2x4xf32> {
  %a = lip.attention %q, %k, %v causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<?x8x2x4xf32>
  return %a : tensor<?x8x2x4xf32>
}

// -----

// The backward: four operands, three fresh results, not causal.
// CHECK-LABEL: func.func @backward
// CHECK-COUNT-3: memref.alloc() : memref<2x8x2x4xf32>
// CHECK: %[[CAUSAL:.*]] = arith.constant 0 : i32
// CHECK: %[[SCALE:.*]] = arith.constant -2.000000e+00 : f64
// CHECK: call @liprt_attention_grad(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[CAUSAL]], %[[SCALE]], %{{.*}})
// CHECK-COUNT-3: bufferization.to_tensor
// CHECK-NOT: lip.attention_grad
func.func @backward(%q: tensor<2x8x2x4xf32>, %dy: tensor<2x8x2x4xf32>)
    -> (tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>) {
  %dq, %dk, %dv = lip.attention_grad %q, %q, %q, %dy logit_scale -2.0 output_factor 1.0 : tensor<2x8x2x4xf32>
  return %dq, %dk, %dv : tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>
}

// -----

// Not float32: left to convert-lip-to-linalg.
// CHECK-LABEL: func.func @double
// CHECK: lip.attention
// CHECK-NOT: call
func.func @double(%q: tensor<1x4x2x4xf64>) -> tensor<1x4x2x4xf64> {
  %a = lip.attention %q, %q, %q causal logit_scale 1.0 output_factor 1.0 : tensor<1x4x2x4xf64>
  return %a : tensor<1x4x2x4xf64>
}
