// The bound analysis, value by value, on attention by position: learned
// positional queries and keys (lip.positions looked up in tables with rows
// of RMS <= 4) and values from the embedded tokens. The positions and their
// embeddings do not depend on the tokens (lipschitz 0, rms 4), so the
// attention rule's score term s H a_v (a_k K_q + a_q K_k) is 0 and the layer
// costs only its value path, c = sqrt(min(H, e^{2 s H a_q a_k})) = sqrt(2)
// for 2 heads: K = 1.41421, a = 1.41421. The residual at alpha = 1/2 gives
// 1/2 + 1.41421/2 = 1.20711; the token embedding keeps lipschitz 1.
// RUN: lip-opt %s -test-print-lipschitz -o /dev/null | FileCheck %s

// CHECK-LABEL: func @positional
// CHECK-NEXT: %arg0: lipschitz = 1, rms = inf
// CHECK-NEXT: %0 = lip.param: factor = 1, lipschitz = 0, rms = inf
// CHECK-NEXT: %1 = lip.embedding: factor = 1, lipschitz = 1, rms = 1
// CHECK-NEXT: %2 = lip.positions: factor = 0, lipschitz = 0, rms = inf
// CHECK-NEXT: %3 = lip.param: factor = 4, lipschitz = 0, rms = inf
// CHECK-NEXT: %4 = lip.embedding: factor = 4, lipschitz = 0, rms = 4
// CHECK-NEXT: %5 = lip.param: factor = 4, lipschitz = 0, rms = inf
// CHECK-NEXT: %6 = lip.embedding: factor = 4, lipschitz = 0, rms = 4
// CHECK-NEXT: %7 = lip.split_heads: factor = 1, lipschitz = 0, rms = 4
// CHECK-NEXT: %8 = lip.split_heads: factor = 1, lipschitz = 0, rms = 4
// CHECK-NEXT: %9 = lip.param: factor = 1, lipschitz = 0, rms = inf
// CHECK-NEXT: %10 = lip.linear: factor = 1, lipschitz = 1, rms = 1
// CHECK-NEXT: %11 = lip.split_heads: factor = 1, lipschitz = 1, rms = 1
// CHECK-NEXT: %12 = lip.attention: factor = 1.41421, lipschitz = 1.41421, rms = 1.41421
// CHECK-NEXT: %13 = lip.merge_heads: factor = 1, lipschitz = 1.41421, rms = 1.41421
// CHECK-NEXT: %14 = lip.residual: factor = 1.20711, lipschitz = 1.20711, rms = 1.20711
// CHECK-NEXT: result: lipschitz = 1.20711, rms = 1.20711
// CHECK-NOT: not certified
func.func @positional(%ids: tensor<?x16xi32>) -> tensor<?x16x32xf32> {
  %embed = lip.param "embed" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<65x32xf32>
  %x = lip.embedding %ids, %embed : tensor<?x16xi32>, tensor<65x32xf32> -> tensor<?x16x32xf32>
  %pos = lip.positions %ids : tensor<?x16xi32>
  %pqw = lip.param "pq" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<16x32xf32>
  %pq = lip.embedding %pos, %pqw : tensor<?x16xi32>, tensor<16x32xf32> -> tensor<?x16x32xf32>
  %pkw = lip.param "pk" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<16x32xf32>
  %pk = lip.embedding %pos, %pkw : tensor<?x16xi32>, tensor<16x32xf32> -> tensor<?x16x32xf32>
  %q = lip.split_heads %pq : tensor<?x16x32xf32> -> tensor<?x16x2x16xf32>
  %k = lip.split_heads %pk : tensor<?x16x32xf32> -> tensor<?x16x2x16xf32>
  %vw = lip.param "v" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %vx = lip.linear %x, %vw : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %v = lip.split_heads %vx : tensor<?x16x32xf32> -> tensor<?x16x2x16xf32>
  %a = lip.attention %q, %k, %v causal logit_scale 1.0 output_factor 1.0 : tensor<?x16x2x16xf32>
  %m = lip.merge_heads %a : tensor<?x16x2x16xf32> -> tensor<?x16x32xf32>
  %y = lip.residual %x, %m alpha 0.5 : tensor<?x16x32xf32>
  return %y : tensor<?x16x32xf32>
}
