// The bound analysis, value by value, on a 2-block transformer (vocab 65,
// width 32, 4 heads of 8, MLP 128, alpha = 1/4, attention output 1/3, GELU
// scaled by 0.88581797, every weight at w_max = 1, embedding rows RMS <= 1).
//
// Closed form, independently: with c = sqrt(min(H, e^{2 s H a^2})) = 2,
//   block 0: K_att = (1/3)(c + s H a (a + a)) = 10/3, a_att = 2/3,
//            K = 3/4 + 10/12 = 1.58333, a = 3/4 + 1/6 = 0.916667;
//            MLP factor 0.88581797 * 1.1289042 = 1.0000009 keeps K = 1.58333.
//   block 1: a = 0.8905, K_att = (1/3)(2 K + 4 a (2 a K)) = 4.40374 ...
//   result: 2.28844.
// RUN: lip-opt %s -test-print-lipschitz -o /dev/null | FileCheck %s

// CHECK-LABEL: func @gpt
// CHECK-NEXT: %arg0: lipschitz = 1, rms = inf
// CHECK-NEXT: %0 = lip.param: factor = 1, lipschitz = 0, rms = inf
// CHECK-NEXT: %1 = lip.embedding: factor = 1, lipschitz = 1, rms = 1
// CHECK:      %8 = lip.linear: factor = 1, lipschitz = 1, rms = 1
// CHECK-NEXT: %9 = lip.split_heads: factor = 1, lipschitz = 1, rms = 1
// CHECK:      %14 = lip.rope: factor = 1, lipschitz = 1, rms = 1
// CHECK:      %16 = lip.attention: factor = 3.33333, lipschitz = 3.33333, rms = 0.666667
// CHECK-NEXT: %17 = lip.merge_heads: factor = 1, lipschitz = 3.33333, rms = 0.666667
// CHECK-NEXT: %18 = lip.linear: factor = 1, lipschitz = 3.33333, rms = 0.666667
// CHECK-NEXT: %19 = lip.residual: factor = 1.58333, lipschitz = 1.58333, rms = 0.916667
// CHECK-NEXT: %20 = lip.linear: factor = 1, lipschitz = 1.58333, rms = 0.916667
// CHECK-NEXT: %21 = lip.gelu: factor = 1, lipschitz = 1.58334, rms = 0.812
// CHECK-NEXT: %22 = lip.linear: factor = 1, lipschitz = 1.58334, rms = 0.812
// CHECK-NEXT: %23 = lip.residual: factor = 1, lipschitz = 1.58333, rms = 0.8905
// CHECK:      %38 = lip.attention: factor = 2.78131, lipschitz = 4.40374, rms = 0.593667
// CHECK:      %41 = lip.residual: factor = 1.44533, lipschitz = 2.28844, rms = 0.816292
// CHECK:      %45 = lip.residual: factor = 1, lipschitz = 2.28844, rms = 0.79299
// CHECK:      %47 = lip.linear: factor = 1, lipschitz = 2.28844, rms = 0.79299
// CHECK-NEXT: result: lipschitz = 2.28844, rms = 0.79299
// CHECK-NOT: not certified
func.func @gpt(%ids: tensor<?x16xi32>) -> tensor<?x16x65xf32> {
  %embed = lip.param "embed" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<65x32xf32>
  %x0 = lip.embedding %ids, %embed : tensor<?x16xi32>, tensor<65x32xf32> -> tensor<?x16x32xf32>
  %b0qw = lip.param "block0.attn.q" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %b0kw = lip.param "block0.attn.k" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %b0vw = lip.param "block0.attn.v" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %b0ow = lip.param "block0.attn.o" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %b0inw = lip.param "block0.mlp.in" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<128x32xf32>
  %b0outw = lip.param "block0.mlp.out" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x128xf32>
  %b0q = lip.linear %x0, %b0qw : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %b0qh = lip.split_heads %b0q : tensor<?x16x32xf32> -> tensor<?x16x4x8xf32>
  %b0k = lip.linear %x0, %b0kw : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %b0kh = lip.split_heads %b0k : tensor<?x16x32xf32> -> tensor<?x16x4x8xf32>
  %b0v = lip.linear %x0, %b0vw : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %b0vh = lip.split_heads %b0v : tensor<?x16x32xf32> -> tensor<?x16x4x8xf32>
  %b0qr = lip.rope %b0qh base 10000.0 : tensor<?x16x4x8xf32>
  %b0kr = lip.rope %b0kh base 10000.0 : tensor<?x16x4x8xf32>
  %b0att = lip.attention %b0qr, %b0kr, %b0vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<?x16x4x8xf32>
  %b0m = lip.merge_heads %b0att : tensor<?x16x4x8xf32> -> tensor<?x16x32xf32>
  %b0o = lip.linear %b0m, %b0ow : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %b0x1 = lip.residual %x0, %b0o alpha 0.25 : tensor<?x16x32xf32>
  %b0u = lip.linear %b0x1, %b0inw : tensor<?x16x32xf32>, tensor<128x32xf32> -> tensor<?x16x128xf32>
  %b0g = lip.gelu %b0u scale 0.88581797 : tensor<?x16x128xf32>
  %b0d = lip.linear %b0g, %b0outw : tensor<?x16x128xf32>, tensor<32x128xf32> -> tensor<?x16x32xf32>
  %b0x2 = lip.residual %b0x1, %b0d alpha 0.25 : tensor<?x16x32xf32>
  %b1qw = lip.param "block1.attn.q" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %b1kw = lip.param "block1.attn.k" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %b1vw = lip.param "block1.attn.v" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %b1ow = lip.param "block1.attn.o" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x32xf32>
  %b1inw = lip.param "block1.mlp.in" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<128x32xf32>
  %b1outw = lip.param "block1.mlp.out" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<32x128xf32>
  %b1q = lip.linear %b0x2, %b1qw : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %b1qh = lip.split_heads %b1q : tensor<?x16x32xf32> -> tensor<?x16x4x8xf32>
  %b1k = lip.linear %b0x2, %b1kw : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %b1kh = lip.split_heads %b1k : tensor<?x16x32xf32> -> tensor<?x16x4x8xf32>
  %b1v = lip.linear %b0x2, %b1vw : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %b1vh = lip.split_heads %b1v : tensor<?x16x32xf32> -> tensor<?x16x4x8xf32>
  %b1qr = lip.rope %b1qh base 10000.0 : tensor<?x16x4x8xf32>
  %b1kr = lip.rope %b1kh base 10000.0 : tensor<?x16x4x8xf32>
  %b1att = lip.attention %b1qr, %b1kr, %b1vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<?x16x4x8xf32>
  %b1m = lip.merge_heads %b1att : tensor<?x16x4x8xf32> -> tensor<?x16x32xf32>
  %b1o = lip.linear %b1m, %b1ow : tensor<?x16x32xf32>, tensor<32x32xf32> -> tensor<?x16x32xf32>
  %b1x1 = lip.residual %b0x2, %b1o alpha 0.25 : tensor<?x16x32xf32>
  %b1u = lip.linear %b1x1, %b1inw : tensor<?x16x32xf32>, tensor<128x32xf32> -> tensor<?x16x128xf32>
  %b1g = lip.gelu %b1u scale 0.88581797 : tensor<?x16x128xf32>
  %b1d = lip.linear %b1g, %b1outw : tensor<?x16x128xf32>, tensor<32x128xf32> -> tensor<?x16x32xf32>
  %b1x2 = lip.residual %b1x1, %b1d alpha 0.25 : tensor<?x16x32xf32>
  %headw = lip.param "head" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<65x32xf32>
  %logits = lip.linear %b1x2, %headw : tensor<?x16x32xf32>, tensor<65x32xf32> -> tensor<?x16x65xf32>
  return %logits : tensor<?x16x65xf32>
}
