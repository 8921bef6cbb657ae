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

// A nest of constant bounds with fewer iterations than min-iterations (here
// 16 x 8 x 4 = 512 < 1000) runs on one thread: scf.for loops only. With a
// dynamic bound, or 2000 static iterations, it stays parallel.
// RUN: lip-opt %s -lip-parallel-outer-loop=min-iterations=1000 | FileCheck %s --check-prefix=SMALL
// CHECK-LABEL: func.func @small
// SMALL-LABEL: func.func @small
// SMALL-NOT:   scf.parallel
// SMALL:       scf.for %{{.*}} = %c0 to %c16 step %c1 {
// SMALL-NEXT:    scf.for %{{.*}} = %c0 to %c8 step %c1 {
// SMALL-NEXT:      scf.for %{{.*}} = %c0 to %c4 step %c1 {
// SMALL:       scf.for %{{.*}} = %c0 to %c16 step %c1 {
// SMALL-NOT:   scf.parallel
// SMALL:       return
func.func @small(%m: memref<16x8xf32>, %v: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c8) step (%c1, %c1) {
    scf.for %k = %c0 to %c4 step %c1 {
      %x = memref.load %m[%i, %j] : memref<16x8xf32>
      memref.store %x, %m[%i, %k] : memref<16x8xf32>
    }
  }
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %x = memref.load %v[%i] : memref<16xf32>
    memref.store %x, %v[%i] : memref<16xf32>
  }
  return
}

// Large: 2000 iterations; a dynamic outer bound; a dynamic inner loop; two
// inner loops of 300 whose sum (not their largest) passes 1000.
// SMALL-LABEL: func.func @large
// SMALL:       scf.parallel (%{{.*}}) = (%c0) to (%c2000) step (%c1) {
// SMALL:       scf.parallel (%{{.*}}) = (%c0) to (%arg1) step (%c1) {
// SMALL-NEXT:    scf.for
// SMALL:       scf.parallel (%{{.*}}) = (%c0) to (%c2) step (%c1) {
// SMALL-NEXT:    scf.for %{{.*}} = %c0 to %arg1
// SMALL:       scf.parallel (%{{.*}}) = (%c0) to (%c2) step (%c1) {
// SMALL-NEXT:    scf.for %{{.*}} = %c0 to %c300
// SMALL:         scf.for %{{.*}} = %c0 to %c300
func.func @large(%v: memref<2000xf32>, %n: index, %m: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c300 = arith.constant 300 : index
  %c2000 = arith.constant 2000 : index
  scf.parallel (%i) = (%c0) to (%c2000) step (%c1) {
    %x = memref.load %v[%i] : memref<2000xf32>
    memref.store %x, %v[%i] : memref<2000xf32>
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c4) step (%c1, %c1) {
    %x = memref.load %m[%i, %j] : memref<?x4xf32>
    memref.store %x, %m[%i, %j] : memref<?x4xf32>
  }
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    scf.for %k = %c0 to %n step %c1 {
      %x = memref.load %v[%k] : memref<2000xf32>
      memref.store %x, %v[%i] : memref<2000xf32>
    }
  }
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    scf.for %k = %c0 to %c300 step %c1 {
      %x = memref.load %v[%k] : memref<2000xf32>
      memref.store %x, %v[%i] : memref<2000xf32>
    }
    scf.for %k = %c0 to %c300 step %c1 {
      %x = memref.load %v[%k] : memref<2000xf32>
      memref.store %x, %v[%k] : memref<2000xf32>
    }
  }
  return
}
