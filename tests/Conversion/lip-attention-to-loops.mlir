// RUN: lip-opt %s -split-input-file -lip-attention-to-loops | FileCheck %s
// RUN: lip-opt %s -split-input-file -lip-attention-to-loops=max-head-dim=1 | FileCheck %s --check-prefix=WIDE

// The forward: operands in as read-only buffers, one fresh buffer for the
// result (batch dynamic), one parallel loop over (batch, head, query row),
// the query row loaded into head_dim scalars, one pass over the keys up to
// the query (causal) carrying the running maximum, the sum and the output
// row, then the row stored times f / sum.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[Q:.*]]: tensor<?x8x2x2xf32>, %[[K:.*]]: tensor<?x8x2x2xf32>, %[[V:.*]]: tensor<?x8x2x2xf32>)
// CHECK: %[[QB:.*]] = bufferization.to_memref %[[Q]] read_only : memref<?x8x2x2xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK: %[[KB:.*]] = bufferization.to_memref %[[K]] read_only
// CHECK: %[[VB:.*]] = bufferization.to_memref %[[V]] read_only
// CHECK: %[[B:.*]] = tensor.dim %[[Q]], %c0
// CHECK: %[[OUT:.*]] = memref.alloc(%[[B]]) : memref<?x8x2x2xf32>
// CHECK: %[[BATCH:.*]] = memref.dim %[[QB]], %c0
// CHECK: scf.parallel (%[[BI:.*]], %[[HI:.*]], %[[TI:.*]]) = ({{.*}}) to (%[[BATCH]], %c2{{.*}}, %c8{{.*}})
// CHECK-COUNT-2: memref.load %[[QB]][%[[BI]], %[[TI]], %[[HI]], %{{.*}}]
// CHECK: %[[END:.*]] = arith.addi %[[TI]], %c1
// CHECK: %[[ROW:.*]]:4 = scf.for %[[J:.*]] = %{{.*}} to %[[END]] step %{{.*}} iter_args(%[[MAX:.*]] = %cst{{.*}}, %[[SUM:.*]] = %cst{{.*}}, %{{.*}} = %cst{{.*}}, %{{.*}} = %cst{{.*}}) -> (f32, f32, f32, f32)
// CHECK-COUNT-2: memref.load %[[KB]][%[[BI]], %[[J]], %[[HI]], %{{.*}}]
// CHECK: %[[SCORE:.*]] = arith.mulf %cst{{.*}}, %{{.*}} : f32
// CHECK: %[[GROWN:.*]] = arith.maximumf %[[MAX]], %[[SCORE]]
// CHECK: math.exp
// CHECK: math.exp
// CHECK-COUNT-2: memref.load %[[VB]][%[[BI]], %[[J]], %[[HI]], %{{.*}}]
// CHECK: scf.yield %[[GROWN]]
// CHECK: %[[SCALE:.*]] = arith.divf %cst{{.*}}, %[[ROW]]#1
// CHECK: %[[O0:.*]] = arith.mulf %[[ROW]]#2, %[[SCALE]]
// CHECK: memref.store %[[O0]], %[[OUT]][%[[BI]], %[[TI]], %[[HI]], %{{.*}}]
// CHECK: %[[O1:.*]] = arith.mulf %[[ROW]]#3, %[[SCALE]]
// CHECK: memref.store %[[O1]], %[[OUT]]
// CHECK: scf.reduce
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict : memref<?x8x2x2xf32>
// CHECK-NOT: lip.attention
// CHECK: return %[[R]]
// WIDE-LABEL: func.func @forward
// WIDE: lip.attention
// WIDE-NOT: scf.parallel
func.func @forward(%q: tensor<?x8x2x2xf32>, %k: tensor<?x8x2x2xf32>, %v: tensor<?x8x2x2xf32>) -> tensor<?x8x2x2xf32> {
  %a = lip.attention %q, %k, %v causal logit_scale 1.0 output_factor 0.5 : tensor<?x8x2x2xf32>
  return %a : tensor<?x8x2x2xf32>
}

// -----

// The backward, not causal, in float64: three results and two [batch,
// tokens, heads] buffers of row statistics (log-sum-exp and D); a loop over
// query rows (statistics in one pass over every key, then dq) and one over
// key rows (dk and dv in one pass over every query, from the last down).
// CHECK-LABEL: func.func @backward
// CHECK: %[[DQ:.*]] = memref.alloc() : memref<2x8x2x2xf64>
// CHECK: %[[DK:.*]] = memref.alloc() : memref<2x8x2x2xf64>
// CHECK: %[[DV:.*]] = memref.alloc() : memref<2x8x2x2xf64>
// CHECK: %[[LSE:.*]] = memref.alloc() : memref<2x8x2xf64>
// CHECK: %[[DELTA:.*]] = memref.alloc() : memref<2x8x2xf64>
// CHECK: scf.parallel (%[[B:.*]], %[[H:.*]], %[[I:.*]]) =
// CHECK: %[[STATS:.*]]:3 = scf.for %{{.*}} = %c0{{.*}} to %c8
// CHECK: %[[LOGSUM:.*]] = math.log %[[STATS]]#1
// CHECK: %[[L:.*]] = arith.addf %[[STATS]]#0, %[[LOGSUM]]
// CHECK: %[[D:.*]] = arith.divf %[[STATS]]#2, %[[STATS]]#1
// CHECK: memref.store %[[L]], %[[LSE]][%[[B]], %[[I]], %[[H]]]
// CHECK: memref.store %[[D]], %[[DELTA]][%[[B]], %[[I]], %[[H]]]
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c8{{.*}} iter_args({{.*}}) -> (f64, f64)
// CHECK: arith.subf %{{.*}}, %[[L]]
// CHECK: arith.subf %{{.*}}, %[[D]]
// CHECK: memref.store %{{.*}}, %[[DQ]]
// CHECK: scf.parallel (%[[B2:.*]], %[[H2:.*]], %[[J:.*]]) =
// CHECK: %[[LAST:.*]] = arith.subi %c8{{.*}}, %c1
// CHECK: scf.for %[[STEP:.*]] = %c0{{.*}} to %c8{{.*}} iter_args({{.*}}) -> (f64, f64, f64, f64)
// CHECK: %[[I2:.*]] = arith.subi %[[LAST]], %[[STEP]]
// CHECK: memref.load %[[LSE]][%[[B2]], %[[I2]], %[[H2]]]
// CHECK: memref.load %[[DELTA]][%[[B2]], %[[I2]], %[[H2]]]
// CHECK: memref.store %{{.*}}, %[[DK]][%[[B2]], %[[J]], %[[H2]], %{{.*}}]
// CHECK: memref.store %{{.*}}, %[[DV]][%[[B2]], %[[J]], %[[H2]], %{{.*}}]
// CHECK-COUNT-3: bufferization.to_tensor
// CHECK-NOT: lip.attention_grad
func.func @backward(%q: tensor<2x8x2x2xf64>, %k: tensor<2x8x2x2xf64>, %dy: tensor<2x8x2x2xf64>)
    -> (tensor<2x8x2x2xf64>, tensor<2x8x2x2xf64>, tensor<2x8x2x2xf64>) {
  %dq, %dk, %dv = lip.attention_grad %q, %k, %q, %dy logit_scale -2.0 output_factor 0.5 : tensor<2x8x2x2xf64>
  return %dq, %dk, %dv : tensor<2x8x2x2xf64>, tensor<2x8x2x2xf64>, tensor<2x8x2x2xf64>
}

// -----

// Causal: each key row sums over the queries from its own token on, from
// the last down (T - j of them), so that a warp's key rows read the same
// query row at each step.
// CHECK-LABEL: func.func @causal_backward
// CHECK: scf.parallel
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %[[J:.*]]) =
// CHECK: %[[COUNT:.*]] = arith.subi %c4{{.*}}, %[[J]]
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %[[COUNT]]
func.func @causal_backward(%q: tensor<1x4x1x2xf32>) -> tensor<1x4x1x2xf32> {
  %dq, %dk, %dv = lip.attention_grad %q, %q, %q, %q causal logit_scale 1.0 output_factor 1.0 : tensor<1x4x1x2xf32>
  return %dk : tensor<1x4x1x2xf32>
}
