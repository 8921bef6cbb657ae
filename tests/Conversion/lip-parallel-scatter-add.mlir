// RUN: lip-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(lip-parallel-scatter-add))' | FileCheck %s
// The values are checked natively (embedding_grad) in run-ops-vs-torch.test.

// The embedding's gradient as bufferization leaves it (the table carried
// through both loops unchanged): one parallel loop over tokens and columns
// whose addition is atomic; the id is still read per token.
// CHECK-LABEL: func.func @embedding_grad
// CHECK: scf.parallel (%[[N:.*]], %[[J:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step
// CHECK:   %[[ID:.*]] = memref.load %arg0[%[[N]]] : memref<?xi32>
// CHECK:   %[[ROW:.*]] = arith.index_cast %[[ID]] : i32 to index
// CHECK:   %[[V:.*]] = memref.load %arg1[%[[N]], %[[J]]] : memref<?x4xf32>
// CHECK:   memref.atomic_rmw addf %[[V]], %arg2[%[[ROW]], %[[J]]] : (f32, memref<7x4xf32>) -> f32
// CHECK-NOT: scf.for
// CHECK-NOT: memref.store
func.func @embedding_grad(%ids: memref<?xi32>, %dy: memref<?x4xf32>, %table: memref<7x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %n = memref.dim %ids, %c0 : memref<?xi32>
  %0 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %table) -> (memref<7x4xf32>) {
    %id = memref.load %ids[%i] : memref<?xi32>
    %row = arith.index_cast %id : i32 to index
    %1 = scf.for %j = %c0 to %c4 step %c1 iter_args(%u = %t) -> (memref<7x4xf32>) {
      %old = memref.load %u[%row, %j] : memref<7x4xf32>
      %v = memref.load %dy[%i, %j] : memref<?x4xf32>
      %sum = arith.addf %v, %old : f32
      memref.store %sum, %u[%row, %j] : memref<7x4xf32>
      scf.yield %u : memref<7x4xf32>
    }
    scf.yield %1 : memref<7x4xf32>
  }
  return
}

// -----

// Left sequential: a second store, a read of the target elsewhere, an inner
// bound that depends on the outer loop, and a subtraction.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-4: scf.for
// CHECK-NOT: scf.parallel
// CHECK-NOT: atomic_rmw
func.func @kept(%x: memref<8xf32>, %t: memref<8xf32>, %other: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %old = memref.load %t[%i] : memref<8xf32>
    %v = memref.load %x[%i] : memref<8xf32>
    %sum = arith.addf %old, %v : f32
    memref.store %sum, %t[%i] : memref<8xf32>
    memref.store %v, %other[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %old = memref.load %t[%i] : memref<8xf32>
    %prev = memref.load %t[%c0] : memref<8xf32>
    %sum = arith.addf %old, %prev : f32
    memref.store %sum, %t[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %i step %c1 {
      %old = memref.load %t[%j] : memref<8xf32>
      %v = memref.load %x[%i] : memref<8xf32>
      %sum = arith.addf %old, %v : f32
      memref.store %sum, %t[%j] : memref<8xf32>
    }
  }
  return
}

// -----

// CHECK-LABEL: func.func @subtraction
// CHECK: scf.for
// CHECK-NOT: atomic_rmw
func.func @subtraction(%x: memref<8xf32>, %t: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %old = memref.load %t[%i] : memref<8xf32>
    %v = memref.load %x[%i] : memref<8xf32>
    %d = arith.subf %old, %v : f32
    memref.store %d, %t[%i] : memref<8xf32>
  }
  return
}
