// RUN: lip-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(lip-scalars-into-loops))' | FileCheck %s
// The values are checked natively for every lip op in run-ops-vs-torch.test.

// A norm's scale: the store that starts the sum becomes a one-iteration
// parallel loop; the loaded sum and its square root are recomputed in the
// loop that divides by it; the buffer is freed after that loop; the host
// code keeps no load.
// CHECK-LABEL: func.func @scale
// CHECK: %[[N:.*]] = memref.alloc() : memref<f32>
// CHECK: scf.parallel (%{{.*}}) = (%[[Z:.*]]) to (%[[O:.*]]) step (%[[O]]) {
// CHECK:   memref.store %{{.*}}, %[[N]][] : memref<f32>
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK:   memref.atomic_rmw addf %{{.*}}, %[[N]][]
// CHECK: scf.parallel (%[[J:.*]]) =
// CHECK-NEXT: %[[SUM:.*]] = memref.load %[[N]][] : memref<f32>
// CHECK-NEXT: %[[ROOT:.*]] = math.sqrt %[[SUM]] : f32
// CHECK:   %[[X:.*]] = memref.load %arg0[%[[J]]]
// CHECK:   arith.divf %[[X]], %[[ROOT]] : f32
// CHECK: memref.dealloc %[[N]] : memref<f32>
// CHECK-NEXT: return
func.func @scale(%x: memref<8xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %norm = memref.alloc() : memref<f32>
  memref.store %zero, %norm[] : memref<f32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<8xf32>
    %sq = arith.mulf %v, %v : f32
    %old = memref.atomic_rmw addf %sq, %norm[] : (f32, memref<f32>) -> f32
    scf.reduce
  }
  %sum = memref.load %norm[] : memref<f32>
  %root = math.sqrt %sum : f32
  memref.dealloc %norm : memref<f32>
  scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%j] : memref<8xf32>
    %d = arith.divf %v, %root : f32
    memref.store %d, %y[%j] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// A mean: the load, the division and the store in one one-iteration loop,
// which recomputes the count too (pure ops are copied with the loads).
// CHECK-LABEL: func.func @mean
// CHECK: scf.parallel
// CHECK: %[[I:.*]] = arith.index_cast %arg2 : index to i64
// CHECK-NEXT: %[[C:.*]] = arith.sitofp %[[I]] : i64 to f32
// CHECK-NEXT: %[[S:.*]] = memref.load %arg0[%{{.*}}] : memref<1xf32>
// CHECK-NEXT: %[[M:.*]] = arith.divf %[[S]], %[[C]] : f32
// CHECK-NEXT: memref.store %[[M]], %arg1[] : memref<f32>
// CHECK-NEXT: scf.reduce
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @mean(%sum: memref<1xf32>, %mean: memref<f32>, %n: index) {
  %c0 = arith.constant 0 : index
  %i = arith.index_cast %n : index to i64
  %count = arith.sitofp %i : i64 to f32
  %s = memref.load %sum[%c0] : memref<1xf32>
  %m = arith.divf %s, %count : f32
  memref.store %m, %mean[] : memref<f32>
  return
}

// -----

// Kept on the host: a loaded value whose buffer a call may change before
// the loop that uses it (recomputing it there would read the new value).
// CHECK-LABEL: func.func @written_between
// CHECK: %[[V:.*]] = memref.load %arg0[] : memref<f32>
// CHECK: call @change
// CHECK: scf.parallel
// CHECK-NOT: memref.load %arg0
// CHECK: arith.addf %{{.*}}, %[[V]]
func.func private @change(memref<f32>)
func.func @written_between(%s: memref<f32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %v = memref.load %s[] : memref<f32>
  call @change(%s) : (memref<f32>) -> ()
  scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
    %old = memref.load %y[%j] : memref<8xf32>
    %new = arith.addf %old, %v : f32
    memref.store %new, %y[%j] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// A scalar argument (the learning-rate scale) is a buffer like any other:
// its store into a result becomes a one-iteration loop that loads it; the
// loop computed from it runs once in a one-iteration loop that stores its
// result in a 0-d buffer, which the parallel loop that used the result by
// value loads (a graph of the step then replays it with the step's scale).
// CHECK-LABEL: func.func @scalar_argument
// CHECK-NOT: memref.load
// CHECK: scf.parallel
// CHECK: %[[S:.*]] = memref.load %arg0[] : memref<f64>
// CHECK: %[[R:.*]] = arith.mulf %[[S]], %{{.*}} : f64
// CHECK-NEXT: memref.store %[[R]], %arg1[] : memref<f64>
// CHECK: %[[B:.*]] = memref.alloc() : memref<f64>
// CHECK-NOT: memref.load
// CHECK: scf.parallel
// CHECK: %[[S2:.*]] = memref.load %arg0[] : memref<f64>
// CHECK: %[[R2:.*]] = arith.mulf %[[S2]], %{{.*}} : f64
// CHECK: %[[F:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[R2]])
// CHECK: memref.store %[[F]], %[[B]][] : memref<f64>
// CHECK: scf.parallel
// CHECK-NEXT: %[[L:.*]] = memref.load %[[B]][] : memref<f64>
// CHECK: arith.mulf %{{.*}}, %[[L]] : f64
// CHECK: memref.dealloc %[[B]] : memref<f64>
// CHECK-NEXT: return
func.func @scalar_argument(%scale: memref<f64>, %rate: memref<f64>, %y: memref<8xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %base = arith.constant 0.1 : f64
  %s = memref.load %scale[] : memref<f64>
  %r = arith.mulf %s, %base : f64
  memref.store %r, %rate[] : memref<f64>
  %f = scf.for %i = %c0 to %c8 step %c1 iter_args(%a = %r) -> (f64) {
    %h = arith.mulf %a, %base : f64
    scf.yield %h : f64
  }
  scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
    %old = memref.load %y[%j] : memref<8xf64>
    %new = arith.mulf %old, %f : f64
    memref.store %new, %y[%j] : memref<8xf64>
    scf.reduce
  }
  return
}

// -----

// A scalar loop of constants reads no memory: the host computes it, and
// the parallel loop takes its result by value.
// CHECK-LABEL: func.func @constant_loop
// CHECK-NOT: memref.alloc
// CHECK: %[[F:.*]] = scf.for
// CHECK: scf.parallel
// CHECK: arith.mulf %{{.*}}, %[[F]] : f64
func.func @constant_loop(%y: memref<8xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %base = arith.constant 0.5 : f64
  %f = scf.for %i = %c0 to %c8 step %c1 iter_args(%a = %base) -> (f64) {
    %h = arith.mulf %a, %base : f64
    scf.yield %h : f64
  }
  scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
    %old = memref.load %y[%j] : memref<8xf64>
    %new = arith.mulf %old, %f : f64
    memref.store %new, %y[%j] : memref<8xf64>
    scf.reduce
  }
  return
}

// -----

// A copy of a strided view into a dense buffer: a parallel loop over its
// elements, each loaded and stored; a scalar copy: one iteration.
// CHECK-LABEL: func.func @copies
// CHECK: %[[N:.*]] = memref.dim %arg0, %{{.*}} : memref<?x4xi32, strided<[?, ?], offset: ?>>
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%{{.*}}, %{{.*}}) to (%[[N]], %{{.*}}) step
// CHECK-NEXT: %[[V:.*]] = memref.load %arg0[%[[I]], %[[J]]]
// CHECK-NEXT: memref.store %[[V]], %arg1[%[[I]], %[[J]]] : memref<?x4xi32>
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK-NEXT: %[[S:.*]] = memref.load %arg2[] : memref<f32>
// CHECK-NEXT: memref.store %[[S]], %arg3[] : memref<f32>
// CHECK-NOT: memref.copy
func.func @copies(%view: memref<?x4xi32, strided<[?, ?], offset: ?>>, %dense: memref<?x4xi32>,
                  %a: memref<f32>, %b: memref<f32>) {
  memref.copy %view, %dense : memref<?x4xi32, strided<[?, ?], offset: ?>> to memref<?x4xi32>
  memref.copy %a, %b : memref<f32> to memref<f32>
  return
}
