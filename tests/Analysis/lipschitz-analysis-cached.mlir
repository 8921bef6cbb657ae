// The bound analysis is an MLIR analysis: passes on one function that leave
// its IR as it was share one computation of it (the pass manager's cache).
// -lip-propagate-bounds only attaches attributes and -lip-check-budget
// changes nothing, so the third pass reads the first one's result.
// RUN: lip-opt %s --pass-pipeline="builtin.module(func.func(lip-propagate-bounds,lip-check-budget{max=10},test-print-lipschitz))" \
// RUN:   --mlir-timing --mlir-timing-display=tree 2>&1 >/dev/null | FileCheck %s
// CHECK: LipPropagateBounds
// CHECK-NEXT: (A) lip::LipschitzAnalysis
// CHECK-NEXT: LipCheckBudget
// CHECK-NEXT: TestPrintLipschitzPass
// CHECK-NOT: (A) lip::LipschitzAnalysis
// CHECK: Rest
func.func @mlp(%x: tensor<?x8xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<?x8xf32> {
  %w = lip.param "w" <soft_cap, w_max = 2.0, norm = rms_to_rms> : tensor<8x8xf32>
  %y = lip.linear %x, %w : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
  %z = lip.relu %y : tensor<?x8xf32>
  return %z : tensor<?x8xf32>
}
