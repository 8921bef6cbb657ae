// RUN: lip-opt %s -lip-allocate-on-device | FileCheck %s

// Host allocations become async device allocations (not host_shared)
// between waits, and their deallocation an async gpu.dealloc between waits;
// a kernel's own allocation stays.
// CHECK-LABEL: func.func @step
// CHECK: %[[S:.*]] = gpu.wait async
// CHECK: %[[B:.*]], %[[A:.*]] = gpu.alloc async [%[[S]]] (%arg0) : memref<?x4xf32>
// CHECK: gpu.wait [%[[A]]]
// CHECK: scf.parallel
// CHECK:   memref.store %{{.*}}, %[[B]]
// CHECK: %[[T:.*]] = gpu.wait async
// CHECK: %[[F:.*]] = gpu.dealloc async [%[[T]]] %[[B]] : memref<?x4xf32>
// CHECK: gpu.wait [%[[F]]]
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
func.func @step(%n: index, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = memref.alloc(%n) : memref<?x4xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %v, %b[%i, %c0] : memref<?x4xf32>
    scf.reduce
  }
  memref.dealloc %b : memref<?x4xf32>
  return
}

// CHECK-LABEL: gpu.module @kernels
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc
gpu.module @kernels {
  gpu.func @k() kernel {
    %b = memref.alloc() : memref<4xf32>
    memref.dealloc %b : memref<4xf32>
    gpu.return
  }
}
