// RUN: lip-opt %s -split-input-file -lip-dealloc-at-last-use | FileCheck %s

// A temporary is freed right after the last op that reads it; the dealloc
// at the end keeps only what it still frees and retains.
// CHECK-LABEL: func.func @temporaries
// CHECK:      %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[A]] : memref<4xf32>)
// CHECK-NEXT: %[[B:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.copy %[[A]], %[[B]]
// CHECK-NEXT: memref.dealloc %[[A]] : memref<4xf32>
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.copy %[[B]], %[[C]]
// CHECK-NEXT: memref.dealloc %[[B]] : memref<4xf32>
// CHECK-NEXT: bufferization.dealloc retain (%[[C]] : memref<4xf32>)
// CHECK-NEXT: return %[[C]]
func.func @temporaries() -> memref<4xf32> {
  %true = arith.constant true
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<4xf32>
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  %c = memref.alloc() : memref<4xf32>
  memref.copy %b, %c : memref<4xf32> to memref<4xf32>
  %r = bufferization.dealloc (%a, %b : memref<4xf32>, memref<4xf32>) if (%true, %true) retain (%c : memref<4xf32>)
  return %c : memref<4xf32>
}

// -----

// A view keeps its buffer alive: the buffer goes after the view's last use,
// and a use inside a loop's body counts as a use by the loop.
// CHECK-LABEL: func.func @views_and_loops
// CHECK:      %[[A:.*]] = memref.alloc() : memref<2x4xf32>
// CHECK:      %[[V:.*]] = memref.collapse_shape %[[A]]
// CHECK:      scf.for
// CHECK:        memref.load %[[V]]
// CHECK:      }
// CHECK-NEXT: memref.dealloc %[[A]] : memref<2x4xf32>
// CHECK-NEXT: return
func.func @views_and_loops(%out: memref<8xf32>) {
  %true = arith.constant true
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %a = memref.alloc() : memref<2x4xf32>
  %v = memref.collapse_shape %a [[0, 1]] : memref<2x4xf32> into memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %v[%i] : memref<8xf32>
    memref.store %x, %out[%i] : memref<8xf32>
  }
  bufferization.dealloc (%a : memref<2x4xf32>) if (%true)
  return
}

// -----

// What may escape stays where ownership-based deallocation put it: a buffer
// one of whose views is retained (returned), a buffer freed under a runtime
// condition, and a buffer yielded out of a nested region.
// CHECK-LABEL: func.func @escapes
// CHECK-NOT:  memref.dealloc
// CHECK:      bufferization.dealloc (%{{.*}}, %{{.*}}, %{{.*}} : memref<4xf32>, memref<4xf32>, memref<4xf32>)
// CHECK-SAME:   retain (%{{.*}} : memref<2xf32, strided<[1]>>)
func.func @escapes(%owned: i1) -> memref<2xf32, strided<[1]>> {
  %true = arith.constant true
  %a = memref.alloc() : memref<4xf32>
  %view = memref.subview %a[0] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1]>>
  %b = memref.alloc() : memref<4xf32>
  %c = memref.alloc() : memref<4xf32>
  %d = scf.if %owned -> memref<4xf32> {
    scf.yield %c : memref<4xf32>
  } else {
    scf.yield %b : memref<4xf32>
  }
  memref.copy %d, %d : memref<4xf32> to memref<4xf32>
  %r = bufferization.dealloc (%a, %b, %c : memref<4xf32>, memref<4xf32>, memref<4xf32>) if (%true, %owned, %true) retain (%view : memref<2xf32, strided<[1]>>)
  return %view : memref<2xf32, strided<[1]>>
}

// -----

// A call to a function of the module returns a fresh buffer (its results are
// owned), so the argument passed to it dies at the call and the result after
// its own last use. The result of a call to an external function may alias
// its argument: the argument stays until the result is freed.
// CHECK-LABEL: func.func @calls
// CHECK:      %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: %[[F:.*]] = call @fresh(%[[A]])
// CHECK-NEXT: memref.dealloc %[[A]] : memref<4xf32>
// CHECK-NEXT: memref.copy %[[F]], %arg0
// CHECK-NEXT: memref.dealloc %[[F]] : memref<4xf32>
// CHECK-NEXT: %[[B:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: %[[E:.*]] = call @external(%[[B]])
// CHECK-NEXT: memref.copy %[[E]], %arg0
// CHECK-NEXT: bufferization.dealloc (%[[B]], %[[E]] : memref<4xf32>, memref<4xf32>)
func.func private @fresh(%x: memref<4xf32>) -> memref<4xf32> {
  %y = memref.alloc() : memref<4xf32>
  memref.copy %x, %y : memref<4xf32> to memref<4xf32>
  return %y : memref<4xf32>
}
func.func private @external(memref<4xf32>) -> memref<4xf32>
func.func @calls(%out: memref<4xf32>) {
  %true = arith.constant true
  %a = memref.alloc() : memref<4xf32>
  %f = call @fresh(%a) : (memref<4xf32>) -> memref<4xf32>
  memref.copy %f, %out : memref<4xf32> to memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  %e = call @external(%b) : (memref<4xf32>) -> memref<4xf32>
  memref.copy %e, %out : memref<4xf32> to memref<4xf32>
  bufferization.dealloc (%a, %f, %b, %e : memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>) if (%true, %true, %true, %true)
  return
}
