// RUN: lip-opt %s -lip-parallel-outer-loop | FileCheck %s

// A two-dimensional parallel loop keeps its first dimension parallel; the
// second becomes a sequential loop inside, over the same bounds and step.
// CHECK-LABEL: func.func @nest
// CHECK:      scf.parallel (%[[I:.*]]) = (%c0) to (%arg1) step (%c1) {
// CHECK-NEXT:   scf.for %[[J:.*]] = %c0 to %arg2 step %c2 {
// CHECK-NEXT:     %[[X:.*]] = memref.load %arg0[%[[I]], %[[J]]]
// CHECK-NEXT:     memref.store %[[X]], %arg0[%[[J]], %[[I]]]
// CHECK-NEXT:   }
// CHECK-NEXT:   scf.reduce
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @nest(%m: memref<?x?xf32>, %n0: index, %n1: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%n0, %n1) step (%c1, %c2) {
    %x = memref.load %m[%i, %j] : memref<?x?xf32>
    memref.store %x, %m[%j, %i] : memref<?x?xf32>
  }
  return
}

// One dimension, or a reduction, stays as it is.
// CHECK-LABEL: func.func @unchanged
// CHECK:       scf.parallel (%{{.*}}) = (%c0) to (%arg1) step (%c1) {
// CHECK:       scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%arg1, %arg1) step (%c1, %c1) init
// CHECK-NOT:   scf.for
func.func @unchanged(%m: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %zero, %m[%i] : memref<?xf32>
  }
  %sum = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %n) step (%c1, %c1) init (%zero) -> f32 {
    %x = memref.load %m[%i] : memref<?xf32>
    scf.reduce(%x : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
