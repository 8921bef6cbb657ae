// A 2-block GPT-style transformer: vocab 65, width 32, 4 heads, MLP 128,
// convex residuals alpha = 1/(2L) = 1/4, attention with 1/d_head scores and
// output factor 1/3, GELU/1.1289, no layer norm; every weight at w_max = 1.
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
