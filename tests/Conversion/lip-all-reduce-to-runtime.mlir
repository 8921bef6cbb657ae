// RUN: lip-opt %s -lip-all-reduce-to-runtime | FileCheck %s
// RUN: lip-opt %s -lip-all-reduce-to-runtime=single-process | FileCheck %s --check-prefix=SINGLE

// Each operand, in order: a dense copy of its buffer, seen as one flat
// vector of all its elements, reduced in place by the runtime, and the copy
// leaves as the result.
// CHECK-LABEL: func.func @step
// CHECK-SAME: (%[[L:.*]]: tensor<f32>, %[[G:.*]]: tensor<8x4xf32>, %[[D:.*]]: tensor<?x3xf32>)
// CHECK: %[[LB:.*]] = bufferization.to_memref %[[L]] read_only : memref<f32, strided<[], offset: ?>>
// CHECK: %[[LC:.*]] = memref.alloc() : memref<f32>
// CHECK: memref.copy %[[LB]], %[[LC]]
// CHECK: %[[LV:.*]] = memref.reinterpret_cast %[[LC]] to offset: [%{{.*}}], sizes: [%{{.*}}], strides: [%{{.*}}] : memref<f32> to memref<?xf32>
// CHECK: %[[LA:.*]] = memref.cast %[[LV]] : memref<?xf32> to memref<?xf32, strided<[?], offset: ?>>
// CHECK: call @liprt_all_reduce_mean(%[[LA]])
// CHECK: %[[LR:.*]] = bufferization.to_tensor %[[LC]] restrict : memref<f32>
// CHECK: %[[GC:.*]] = memref.alloc() : memref<8x4xf32>
// CHECK: %[[N0:.*]] = memref.dim %[[GC]], %{{.*}}
// CHECK: %[[C0:.*]] = arith.muli %{{.*}}, %[[N0]]
// CHECK: %[[N1:.*]] = memref.dim %[[GC]], %{{.*}}
// CHECK: %[[C1:.*]] = arith.muli %[[C0]], %[[N1]]
// CHECK: memref.reinterpret_cast %[[GC]] to offset: [%{{.*}}], sizes: [%[[C1]]]
// CHECK: call @liprt_all_reduce_mean
// CHECK: %[[GR:.*]] = bufferization.to_tensor %[[GC]] restrict : memref<8x4xf32>
// CHECK: %[[B:.*]] = tensor.dim %[[D]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[DC:.*]] = memref.alloc(%[[B]]) : memref<?x3xf32>
// CHECK: call @liprt_all_reduce_mean
// CHECK: %[[DR:.*]] = bufferization.to_tensor %[[DC]] restrict : memref<?x3xf32>
// CHECK: return %[[LR]], %[[GR]], %[[DR]]
// CHECK-NOT: lipopt.all_reduce
// CHECK: func.func private @liprt_all_reduce_mean(memref<?xf32, strided<[?], offset: ?>>) attributes {llvm.emit_c_interface}
// With single-process, the results are the operands.
// SINGLE-LABEL: func.func @step
// SINGLE-NEXT: return %arg0, %arg1, %arg2
// SINGLE-NOT: liprt_all_reduce_mean
func.func @step(%loss: tensor<f32>, %g: tensor<8x4xf32>, %d: tensor<?x3xf32>) -> (tensor<f32>, tensor<8x4xf32>, tensor<?x3xf32>) {
  %0:3 = lipopt.all_reduce %loss, %g, %d : tensor<f32>, tensor<8x4xf32>, tensor<?x3xf32>
  return %0#0, %0#1, %0#2 : tensor<f32>, tensor<8x4xf32>, tensor<?x3xf32>
}
