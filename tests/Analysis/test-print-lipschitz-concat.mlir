// The bound analysis, value by value, through lip.concat: a token's squared
// l2 norm is the sum of its parts', so the bounds are the root mean square
// of the parts' bounds weighted by width. Parts of width 32, 16 and 16: the
// embedded tokens (lipschitz 1, rms 1), a linear map of them at w_max 0.5
// (0.5, 0.5) and a positional table (0, rms 4):
//   K = sqrt((32 * 1 + 16 * 0.25 + 16 * 0) / 64) = 0.75
//   a = sqrt((32 * 1 + 16 * 0.25 + 16 * 16) / 64) = 2.13600
// A single-head positional attention over the embedded tokens costs 1
// (c = 1, no score path), so concatenating it with the tokens keeps 1.
// RUN: lip-opt %s -test-print-lipschitz -o /dev/null | FileCheck %s

// CHECK-LABEL: func @parts
// CHECK-NEXT: %arg0: lipschitz = 1, rms = inf
// CHECK-NEXT: %0 = lip.param: factor = 1, lipschitz = 0, rms = inf
// CHECK-NEXT: %1 = lip.embedding: factor = 1, lipschitz = 1, rms = 1
// CHECK-NEXT: %2 = lip.param: factor = 0.5, lipschitz = 0, rms = inf
// CHECK-NEXT: %3 = lip.linear: factor = 0.5, lipschitz = 0.5, rms = 0.5
// CHECK-NEXT: %4 = lip.positions: factor = 0, lipschitz = 0, rms = inf
// CHECK-NEXT: %5 = lip.param: factor = 4, lipschitz = 0, rms = inf
// CHECK-NEXT: %6 = lip.embedding: factor = 4, lipschitz = 0, rms = 4
// CHECK-NEXT: %7 = lip.concat: factor = 0.75, lipschitz = 0.75, rms = 2.136
// CHECK-NEXT: result: lipschitz = 0.75, rms = 2.136
// CHECK-NOT: not certified
func.func @parts(%ids: tensor<?x16xi32>) -> tensor<?x16x64xf32> {
  %embed = lip.param "embed" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<65x32xf32>
  %x = lip.embedding %ids, %embed : tensor<?x16xi32>, tensor<65x32xf32> -> tensor<?x16x32xf32>
  %w = lip.param "w" <soft_cap, w_max = 0.5, norm = rms_to_rms> : tensor<16x32xf32>
  %y = lip.linear %x, %w : tensor<?x16x32xf32>, tensor<16x32xf32> -> tensor<?x16x16xf32>
  %pos = lip.positions %ids : tensor<?x16xi32>
  %pw = lip.param "p" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<16x16xf32>
  %p = lip.embedding %pos, %pw : tensor<?x16xi32>, tensor<16x16xf32> -> tensor<?x16x16xf32>
  %c = lip.concat %x, %y, %p : tensor<?x16x32xf32>, tensor<?x16x16xf32>, tensor<?x16x16xf32> -> tensor<?x16x64xf32>
  return %c : tensor<?x16x64xf32>
}

// CHECK-LABEL: func @tokens_and_pooled_tokens
// CHECK: lip.attention: factor = 1, lipschitz = 1, rms = 1
// CHECK-NEXT: %{{.*}} = lip.merge_heads: factor = 1, lipschitz = 1, rms = 1
// CHECK-NEXT: %{{.*}} = lip.concat: factor = 1, lipschitz = 1, rms = 1
// CHECK-NEXT: result: lipschitz = 1, rms = 1
func.func @tokens_and_pooled_tokens(%ids: tensor<?x16xi32>) -> tensor<?x16x64xf32> {
  %embed = lip.param "embed" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<65x32xf32>
  %x = lip.embedding %ids, %embed : tensor<?x16xi32>, tensor<65x32xf32> -> tensor<?x16x32xf32>
  %pos = lip.positions %ids : tensor<?x16xi32>
  %pqw = lip.param "pq" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<16x32xf32>
  %pq = lip.embedding %pos, %pqw : tensor<?x16xi32>, tensor<16x32xf32> -> tensor<?x16x32xf32>
  %pkw = lip.param "pk" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<16x32xf32>
  %pk = lip.embedding %pos, %pkw : tensor<?x16xi32>, tensor<16x32xf32> -> tensor<?x16x32xf32>
  %q = lip.split_heads %pq : tensor<?x16x32xf32> -> tensor<?x16x1x32xf32>
  %k = lip.split_heads %pk : tensor<?x16x32xf32> -> tensor<?x16x1x32xf32>
  %v = lip.split_heads %x : tensor<?x16x32xf32> -> tensor<?x16x1x32xf32>
  %a = lip.attention %q, %k, %v causal logit_scale 1.0 output_factor 1.0 : tensor<?x16x1x32xf32>
  %m = lip.merge_heads %a : tensor<?x16x1x32xf32> -> tensor<?x16x32xf32>
  %c = lip.concat %x, %m : tensor<?x16x32xf32>, tensor<?x16x32xf32> -> tensor<?x16x64xf32>
  return %c : tensor<?x16x64xf32>
}
