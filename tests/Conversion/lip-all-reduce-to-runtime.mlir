// RUN: lip-opt %s -lip-all-reduce-to-runtime | FileCheck %s
// RUN: lip-opt %s -lip-all-reduce-to-runtime=single-process | FileCheck %s --check-prefix=SINGLE

// The form on buffers (what one-shot bufferization makes of the op): one
// call per buffer, in operand order, each buffer cast to an unranked memref;
// the buffers are reduced in place.
// CHECK-LABEL: func.func @step
// CHECK-SAME: (%[[L:.*]]: memref<f32>, %[[G:.*]]: memref<8x4xf32, strided<[?, 1], offset: ?>>, %[[D:.*]]: memref<?x3xf32>)
// CHECK-NEXT: %[[LA:.*]] = memref.cast %[[L]] : memref<f32> to memref<*xf32>
// CHECK-NEXT: call @liprt_all_reduce_mean(%[[LA]]) : (memref<*xf32>) -> ()
// CHECK-NEXT: %[[GA:.*]] = memref.cast %[[G]] : memref<8x4xf32, strided<[?, 1], offset: ?>> to memref<*xf32>
// CHECK-NEXT: call @liprt_all_reduce_mean(%[[GA]])
// CHECK-NEXT: %[[DA:.*]] = memref.cast %[[D]] : memref<?x3xf32> to memref<*xf32>
// CHECK-NEXT: call @liprt_all_reduce_mean(%[[DA]])
// CHECK-NEXT: return
// CHECK: func.func private @liprt_all_reduce_mean(memref<*xf32>) attributes {llvm.emit_c_interface}
// SINGLE-LABEL: func.func @step
// SINGLE-NEXT: return
// SINGLE-NOT: liprt_all_reduce_mean
func.func @step(%loss: memref<f32>, %g: memref<8x4xf32, strided<[?, 1], offset: ?>>, %d: memref<?x3xf32>) {
  lipopt.all_reduce %loss, %g, %d : memref<f32>, memref<8x4xf32, strided<[?, 1], offset: ?>>, memref<?x3xf32>
  return
}
