// RUN: lip-opt %s -lip-split-functions="max-ops=2" | FileCheck %s
// RUN: lip-opt %s -lip-split-functions | FileCheck %s --check-prefix=SHORT
// RUN: not lip-opt %s -lip-split-functions="max-ops=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: -lip-split-functions needs max-ops >= 1

// A function of five ops (constants not counted) becomes three segments of
// at most two: each takes what it uses from before (the function's
// arguments, earlier segments' results) and returns what is used after;
// constants are cloned where they are used, and the originals go.
// CHECK-LABEL: func.func private @f_part0(%arg0: index) -> (memref<?xf32>, index)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, no_inline}
// CHECK-NEXT:   %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:   %[[B:.*]] = memref.alloc(%arg0) : memref<?xf32>
// CHECK-NEXT:   %[[D:.*]] = memref.dim %[[B]], %[[C0]] : memref<?xf32>
// CHECK-NEXT:   return %[[B]], %[[D]] : memref<?xf32>, index
// CHECK-LABEL: func.func private @f_part1(%arg0: memref<4xf32>, %arg1: index) -> memref<?xf32>
// CHECK-NEXT:   %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:   linalg.fill ins(%[[ONE]] : f32) outs(%arg0 : memref<4xf32>)
// CHECK-NEXT:   %[[E:.*]] = memref.alloc(%arg1) : memref<?xf32>
// CHECK-NEXT:   return %[[E]] : memref<?xf32>
// CHECK-LABEL: func.func private @f_part2(%arg0: memref<?xf32>)
// CHECK-NEXT:   memref.dealloc %arg0 : memref<?xf32>
// CHECK-NEXT:   return
// The function left holding the chain of calls is compiled without
// optimization (optimize_none, with no_inline as LLVM requires).
// CHECK-LABEL: func.func @f(%arg0: memref<4xf32>, %arg1: index) -> memref<?xf32>
// CHECK-SAME: attributes {no_inline, optimize_none}
// CHECK-NEXT:   %[[P0:.*]]:2 = call @f_part0(%arg1) : (index) -> (memref<?xf32>, index)
// CHECK-NEXT:   %[[P1:.*]] = call @f_part1(%arg0, %[[P0]]#1) : (memref<4xf32>, index) -> memref<?xf32>
// CHECK-NEXT:   call @f_part2(%[[P0]]#0) : (memref<?xf32>) -> ()
// CHECK-NEXT:   return %[[P1]] : memref<?xf32>
// Under the default limit (256 ops) nothing changes.
// SHORT-NOT: _part
// SHORT-NOT: optimize_none
func.func @f(%a: memref<4xf32>, %n: index) -> memref<?xf32> {
  %one = arith.constant 1.0 : f32
  %c0 = arith.constant 0 : index
  %b = memref.alloc(%n) : memref<?xf32>
  %d = memref.dim %b, %c0 : memref<?xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<4xf32>)
  %e = memref.alloc(%d) : memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return %e : memref<?xf32>
}

// A stack allocation stays in the segment of its last user (through views),
// here past the limit of two: its memory lives only as long as that frame.
// CHECK-LABEL: func.func private @g_part0(%arg0: memref<4xf32>)
// CHECK-NEXT:   %[[S:.*]] = memref.alloca() : memref<4xf32>
// CHECK-NEXT:   memref.copy %arg0, %[[S]]
// CHECK-NEXT:   %[[V:.*]] = memref.cast %[[S]]
// CHECK-NEXT:   memref.copy %[[V]], %arg0
// CHECK-NEXT:   return
// CHECK-LABEL: func.func private @g_part1(%arg0: memref<4xf32>)
// CHECK:        linalg.fill
// CHECK-LABEL: func.func @g(
// CHECK-NEXT:   call @g_part0(%arg0)
// CHECK-NEXT:   call @g_part1(%arg0)
func.func @g(%a: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %s = memref.alloca() : memref<4xf32>
  memref.copy %a, %s : memref<4xf32> to memref<4xf32>
  %v = memref.cast %s : memref<4xf32> to memref<?xf32>
  memref.copy %v, %a : memref<?xf32> to memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  return
}

// Functions of several blocks are left alone.
// CHECK-LABEL: func.func @branches(
// CHECK-NOT: call
func.func @branches(%a: memref<4xf32>, %c: i1) {
  %zero = arith.constant 0.0 : f32
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  cf.br ^bb2
^bb2:
  return
}
