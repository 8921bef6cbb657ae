// RUN: lip-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(lip-map-parallel-loops))' | FileCheck %s
// RUN: lip-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(lip-map-parallel-loops))' \
// RUN:   | mlir-opt --convert-parallel-loops-to-gpu --canonicalize | FileCheck %s --check-prefix=LAUNCH
// Each kernel's values are checked natively, with small blocks, for every
// lip op in run-ops-vs-torch.test.

// A 2-d loop over a dynamic batch of rows: tiles of 8 rows x 32 columns
// (256 threads), the columns across a warp's threads (x), the rows on y;
// the tiles' rows on the grid's x (as many blocks as the batch needs), its
// columns on y; the bounds guarded inside the tile.
// CHECK-LABEL: func.func @rows
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[S8:.*]] = arith.muli %{{.*}}, %[[C8]] : index
// CHECK: %[[S32:.*]] = arith.muli %{{.*}}, %[[C32]] : index
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = {{.*}} step (%[[S8]], %[[S32]])
// CHECK:   scf.parallel (%{{.*}}, %{{.*}}) = {{.*}} to (%[[S8]], %[[S32]])
// CHECK:     scf.if
// CHECK:       memref.load %arg0
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_y, {{.*}}>, #gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, {{.*}}>, #gpu.loop_dim_map<processor = block_y, {{.*}}>]}
// LAUNCH-LABEL: func.func @rows
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in (%{{.*}} = %c32{{[_0-9]*}}, %{{.*}} = %c8{{[_0-9]*}}, %{{.*}} = %c1{{[_0-9]*}})
func.func @rows(%a: memref<?x100xf32>, %b: memref<?x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %n = memref.dim %a, %c0 : memref<?x100xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c100) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<?x100xf32>
    memref.store %x, %b[%i, %j] : memref<?x100xf32>
    scf.reduce
  }
  return
}

// -----

// A 1-d loop: blocks of 256 threads on x; a loop nested in it runs in each
// thread.
// CHECK-LABEL: func.func @vector
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: scf.parallel
// CHECK:   scf.parallel
// CHECK:     scf.parallel
// CHECK:     } {mapping = [#gpu.loop_dim_map<processor = sequential, {{.*}}>]}
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, {{.*}}>]}
func.func @vector(%v: memref<300x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c300 = arith.constant 300 : index
  scf.parallel (%i) = (%c0) to (%c300) step (%c1) {
    scf.parallel (%k) = (%c0) to (%c4) step (%c1) {
      %x = memref.load %v[%i, %k] : memref<300x4xf32>
      %y = arith.addf %x, %x : f32
      memref.store %y, %v[%i, %k] : memref<300x4xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// A 4-d loop (batch, head, query, key): the batch on the grid's x, keys on
// y, queries on z, heads in each thread's loop; keys across a warp.
// CHECK-LABEL: func.func @scores
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = sequential, {{.*}}>, #gpu.loop_dim_map<processor = sequential, {{.*}}>, #gpu.loop_dim_map<processor = thread_y, {{.*}}>, #gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, {{.*}}>, #gpu.loop_dim_map<processor = sequential, {{.*}}>, #gpu.loop_dim_map<processor = block_z, {{.*}}>, #gpu.loop_dim_map<processor = block_y, {{.*}}>]}
func.func @scores(%s: memref<?x4x64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %s, %c0 : memref<?x4x64x64xf32>
  scf.parallel (%b, %h, %i, %j) = (%c0, %c0, %c0, %c0) to (%n, %c4, %c64, %c64) step (%c1, %c1, %c1, %c1) {
    %x = memref.load %s[%b, %h, %i, %j] : memref<?x4x64x64xf32>
    %y = arith.mulf %x, %x : f32
    memref.store %y, %s[%b, %h, %i, %j] : memref<?x4x64x64xf32>
    scf.reduce
  }
  return
}
