// RUN: lip-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(lip-split-reductions{partials=4 max-outputs=8}))' | FileCheck %s
// RUN: lip-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(lip-split-reductions{partials=4 max-outputs=8 row-partials=2 row-min-elements=8}))' \
// RUN:   | FileCheck %s --check-prefix=ROWS
// The values are checked natively for every lip op in run-ops-vs-torch.test.

#all = affine_map<(i, j) -> (i, j)>
#none = affine_map<(i, j) -> ()>
#column = affine_map<(i, j) -> (j)>
#row = affine_map<(i, j) -> (i)>

// A full reduction over a dynamic batch: 4 lanes each fold every 4th
// element (row-major, so that neighbouring lanes read neighbouring
// elements) from addf's neutral element, then a one-iteration parallel loop
// folds the lanes into the output's value.
// CHECK-LABEL: func.func @sum_of_squares
// CHECK: %[[D:.*]] = memref.dim %arg0, %{{.*}} : memref<?x8xf32>
// CHECK: %[[N:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK: %[[P:.*]] = memref.alloc() : memref<4xf32>
// CHECK: scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[C4:.*]]) step
// CHECK:   %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:   %[[S:.*]] = scf.for %[[K:.*]] = %[[T]] to %[[N]] step %[[C4]] iter_args(%[[A:.*]] = %[[Z]]) -> (f32)
// CHECK:     %[[J:.*]] = arith.remui %[[K]], %{{.*}} : index
// CHECK:     %[[R:.*]] = arith.divui %[[K]], %{{.*}} : index
// CHECK:     %[[I:.*]] = arith.remui %[[R]], %[[D]] : index
// CHECK:     %[[X:.*]] = memref.load %arg0[%[[I]], %[[J]]]
// CHECK:     %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK:     %[[NEW:.*]] = arith.addf %[[SQ]], %[[A]] : f32
// CHECK:     scf.yield %[[NEW]] : f32
// CHECK:   memref.store %[[S]], %[[P]][%[[T]]] : memref<4xf32>
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK:   %[[START:.*]] = memref.load %arg1[] : memref<f32>
// CHECK:   %[[F:.*]] = scf.for %[[L:.*]] = %{{.*}} to %[[C4]] step %{{.*}} iter_args(%[[B:.*]] = %[[START]]) -> (f32)
// CHECK:     %[[V:.*]] = memref.load %[[P]][%[[L]]] : memref<4xf32>
// CHECK:     arith.addf %[[V]], %[[B]] : f32
// CHECK:   memref.store %[[F]], %arg1[] : memref<f32>
// CHECK: memref.dealloc %[[P]] : memref<4xf32>
// CHECK-NOT: linalg.generic
func.func @sum_of_squares(%x: memref<?x8xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [#all, #none], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<?x8xf32>) outs(%out : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.mulf %a, %a : f32
    %r = arith.addf %s, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#all = affine_map<(i, j) -> (i, j)>
#none = affine_map<(i, j) -> ()>
#column = affine_map<(i, j) -> (j)>
#row = affine_map<(i, j) -> (i)>
// A column maximum over the batch (8 outputs, at the limit): partials per
// column and lane, from maximumf's neutral element (-inf); the combiner keeps
// its operand order. linalg.index reads the loop's index.
// CHECK-LABEL: func.func @column_max
// CHECK: %[[P:.*]] = memref.alloc() : memref<8x4xf32>
// CHECK: scf.parallel (%[[C:.*]], %[[T:.*]]) =
// CHECK:   arith.constant 0xFF800000 : f32
// CHECK:   scf.for %[[K:.*]] = %[[T]] to
// CHECK:     %[[I:.*]] = arith.remui %[[K]]
// CHECK:     %[[X:.*]] = memref.load %arg0[%[[I]], %[[C]]]
// CHECK:     %[[IF:.*]] = arith.index_cast %[[I]] : index to i32
// CHECK:     arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK:   memref.store %{{.*}}, %[[P]][%[[C]], %[[T]]] : memref<8x4xf32>
// CHECK: scf.parallel (%[[C2:.*]]) =
// CHECK:   memref.load %arg1[%[[C2]]] : memref<8xf32>
// CHECK:   memref.load %[[P]][%[[C2]], %{{.*}}] : memref<8x4xf32>
// CHECK:   arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK:   memref.store %{{.*}}, %arg1[%[[C2]]] : memref<8xf32>
// CHECK-NOT: linalg.generic
func.func @column_max(%x: memref<?x8xf32>, %out: memref<8xf32>) {
  linalg.generic {indexing_maps = [#all, #column], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x8xf32>) outs(%out : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %i = linalg.index 0 : index
    %n = arith.index_cast %i : index to i32
    %f = arith.sitofp %n : i32 to f32
    %v = arith.addf %a, %f : f32
    %r = arith.maximumf %acc, %v : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#all = affine_map<(i, j) -> (i, j)>
#none = affine_map<(i, j) -> ()>
#column = affine_map<(i, j) -> (j)>
#row = affine_map<(i, j) -> (i)>
// Lanes beyond a static number of elements would fold only neutrals: 3
// elements, 3 lanes.
// CHECK-LABEL: func.func @few_elements
// CHECK: memref.alloc() : memref<3xf32>
func.func @few_elements(%x: memref<3xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]}
      ins(%x : memref<3xf32>) outs(%out : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#all = affine_map<(i, j) -> (i, j)>
#none = affine_map<(i, j) -> ()>
#column = affine_map<(i, j) -> (j)>
#row = affine_map<(i, j) -> (i)>
// Left as they are: more outputs than max-outputs and a dynamic number of
// outputs (taken as large) over rows shorter than row-min-elements, a combiner without a neutral element, an output
// the body reads besides the combiner, and a loop with no reduction.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT: scf.parallel
func.func @kept(%x: memref<16x8xf32>, %rows: memref<16xf32>, %d: memref<?x8xf32>, %drows: memref<?xf32>,
                %s: memref<f32>, %y: memref<16x8xf32>) {
  linalg.generic {indexing_maps = [#all, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<16x8xf32>) outs(%rows : memref<16xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#all, #row], iterator_types = ["parallel", "reduction"]}
      ins(%d : memref<?x8xf32>) outs(%drows : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#all, #none], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<16x8xf32>) outs(%s : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.subf %acc, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#all, #none], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<16x8xf32>) outs(%s : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.mulf %a, %acc : f32
    %r = arith.addf %m, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#all, #all], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x8xf32>) outs(%y : memref<16x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#all = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
// Many outputs over long rows (with row-min-elements=8 in the ROWS run: a
// dynamic batch of rows of 8): row-partials lanes per row, the lanes the
// first stage's innermost loop, the partials as many rows as the batch.
// ROWS-LABEL: func.func @row_sums
// ROWS: %[[D:.*]] = memref.dim %arg0, %{{.*}} : memref<?x8xf32>
// ROWS: %[[P:.*]] = memref.alloc(%[[D]]) : memref<?x2xf32>
// ROWS: scf.parallel (%[[R:.*]], %[[T:.*]]) = (%{{.*}}, %{{.*}}) to (%[[D]], %{{.*}})
// ROWS:   scf.for %[[K:.*]] = %[[T]] to
// ROWS:     memref.load %arg0[%[[R]], %{{.*}}]
// ROWS:   memref.store %{{.*}}, %[[P]][%[[R]], %[[T]]] : memref<?x2xf32>
// ROWS: scf.parallel (%[[O:.*]]) = (%{{.*}}) to (%[[D]])
// ROWS:   memref.load %arg1[%[[O]]] : memref<?xf32>
// ROWS:   memref.store %{{.*}}, %arg1[%[[O]]] : memref<?xf32>
// ROWS: memref.dealloc %[[P]] : memref<?x2xf32>
// CHECK-LABEL: func.func @row_sums
// CHECK: linalg.generic
func.func @row_sums(%x: memref<?x8xf32>, %rows: memref<?xf32>) {
  linalg.generic {indexing_maps = [#all, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x8xf32>) outs(%rows : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#all = affine_map<(i, j) -> (i, j)>
#column = affine_map<(i, j) -> (j)>
// Many outputs reduced over an outer dimension (a column sum over the batch
// with more outputs than max-outputs): one thread per column already reads
// consecutive columns together; no row split.
// ROWS-LABEL: func.func @many_columns
// ROWS: linalg.generic
// ROWS-NOT: scf.parallel
func.func @many_columns(%x: memref<?x16xf32>, %sums: memref<16xf32>) {
  linalg.generic {indexing_maps = [#all, #column], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x16xf32>) outs(%sums : memref<16xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  return
}
