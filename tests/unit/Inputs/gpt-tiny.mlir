// A tiny 2-block transformer for the soundness search (width 8, 2 heads,
// MLP 16, vocab 11, 4 tokens), every weight exactly at w_max = 1.
// @blocks starts from the embedded input (per-token RMS <= 1, the embedding's
// cap); @gpt starts from token ids.
func.func @blocks(%x0: tensor<1x4x8xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<1x4x11xf32> {
  %b0qw = lip.param "block0.attn.q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b0kw = lip.param "block0.attn.k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b0vw = lip.param "block0.attn.v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b0ow = lip.param "block0.attn.o" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b0inw = lip.param "block0.mlp.in" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<16x8xf32>
  %b0outw = lip.param "block0.mlp.out" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x16xf32>
  %b0q = lip.linear %x0, %b0qw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b0qh = lip.split_heads %b0q : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b0k = lip.linear %x0, %b0kw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b0kh = lip.split_heads %b0k : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b0v = lip.linear %x0, %b0vw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b0vh = lip.split_heads %b0v : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b0qr = lip.rope %b0qh base 10000.0 : tensor<1x4x2x4xf32>
  %b0kr = lip.rope %b0kh base 10000.0 : tensor<1x4x2x4xf32>
  %b0att = lip.attention %b0qr, %b0kr, %b0vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<1x4x2x4xf32>
  %b0m = lip.merge_heads %b0att : tensor<1x4x2x4xf32> -> tensor<1x4x8xf32>
  %b0o = lip.linear %b0m, %b0ow : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b0x1 = lip.residual %x0, %b0o alpha 0.25 : tensor<1x4x8xf32>
  %b0u = lip.linear %b0x1, %b0inw : tensor<1x4x8xf32>, tensor<16x8xf32> -> tensor<1x4x16xf32>
  %b0g = lip.gelu %b0u scale 0.88581797 : tensor<1x4x16xf32>
  %b0d = lip.linear %b0g, %b0outw : tensor<1x4x16xf32>, tensor<8x16xf32> -> tensor<1x4x8xf32>
  %b0x2 = lip.residual %b0x1, %b0d alpha 0.25 : tensor<1x4x8xf32>
  %b1qw = lip.param "block1.attn.q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b1kw = lip.param "block1.attn.k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b1vw = lip.param "block1.attn.v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b1ow = lip.param "block1.attn.o" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b1inw = lip.param "block1.mlp.in" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<16x8xf32>
  %b1outw = lip.param "block1.mlp.out" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x16xf32>
  %b1q = lip.linear %b0x2, %b1qw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b1qh = lip.split_heads %b1q : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b1k = lip.linear %b0x2, %b1kw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b1kh = lip.split_heads %b1k : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b1v = lip.linear %b0x2, %b1vw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b1vh = lip.split_heads %b1v : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b1qr = lip.rope %b1qh base 10000.0 : tensor<1x4x2x4xf32>
  %b1kr = lip.rope %b1kh base 10000.0 : tensor<1x4x2x4xf32>
  %b1att = lip.attention %b1qr, %b1kr, %b1vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<1x4x2x4xf32>
  %b1m = lip.merge_heads %b1att : tensor<1x4x2x4xf32> -> tensor<1x4x8xf32>
  %b1o = lip.linear %b1m, %b1ow : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b1x1 = lip.residual %b0x2, %b1o alpha 0.25 : tensor<1x4x8xf32>
  %b1u = lip.linear %b1x1, %b1inw : tensor<1x4x8xf32>, tensor<16x8xf32> -> tensor<1x4x16xf32>
  %b1g = lip.gelu %b1u scale 0.88581797 : tensor<1x4x16xf32>
  %b1d = lip.linear %b1g, %b1outw : tensor<1x4x16xf32>, tensor<8x16xf32> -> tensor<1x4x8xf32>
  %b1x2 = lip.residual %b1x1, %b1d alpha 0.25 : tensor<1x4x8xf32>
  %headw = lip.param "head" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<11x8xf32>
  %logits = lip.linear %b1x2, %headw : tensor<1x4x8xf32>, tensor<11x8xf32> -> tensor<1x4x11xf32>
  return %logits : tensor<1x4x11xf32>
}

func.func @gpt(%ids: tensor<1x4xi32>) -> tensor<1x4x11xf32> {
  %embed = lip.param "embed" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<11x8xf32>
  %x0 = lip.embedding %ids, %embed : tensor<1x4xi32>, tensor<11x8xf32> -> tensor<1x4x8xf32>
  %b0qw = lip.param "block0.attn.q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b0kw = lip.param "block0.attn.k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b0vw = lip.param "block0.attn.v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b0ow = lip.param "block0.attn.o" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b0inw = lip.param "block0.mlp.in" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<16x8xf32>
  %b0outw = lip.param "block0.mlp.out" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x16xf32>
  %b0q = lip.linear %x0, %b0qw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b0qh = lip.split_heads %b0q : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b0k = lip.linear %x0, %b0kw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b0kh = lip.split_heads %b0k : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b0v = lip.linear %x0, %b0vw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b0vh = lip.split_heads %b0v : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b0qr = lip.rope %b0qh base 10000.0 : tensor<1x4x2x4xf32>
  %b0kr = lip.rope %b0kh base 10000.0 : tensor<1x4x2x4xf32>
  %b0att = lip.attention %b0qr, %b0kr, %b0vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<1x4x2x4xf32>
  %b0m = lip.merge_heads %b0att : tensor<1x4x2x4xf32> -> tensor<1x4x8xf32>
  %b0o = lip.linear %b0m, %b0ow : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b0x1 = lip.residual %x0, %b0o alpha 0.25 : tensor<1x4x8xf32>
  %b0u = lip.linear %b0x1, %b0inw : tensor<1x4x8xf32>, tensor<16x8xf32> -> tensor<1x4x16xf32>
  %b0g = lip.gelu %b0u scale 0.88581797 : tensor<1x4x16xf32>
  %b0d = lip.linear %b0g, %b0outw : tensor<1x4x16xf32>, tensor<8x16xf32> -> tensor<1x4x8xf32>
  %b0x2 = lip.residual %b0x1, %b0d alpha 0.25 : tensor<1x4x8xf32>
  %b1qw = lip.param "block1.attn.q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b1kw = lip.param "block1.attn.k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b1vw = lip.param "block1.attn.v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b1ow = lip.param "block1.attn.o" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b1inw = lip.param "block1.mlp.in" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<16x8xf32>
  %b1outw = lip.param "block1.mlp.out" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x16xf32>
  %b1q = lip.linear %b0x2, %b1qw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b1qh = lip.split_heads %b1q : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b1k = lip.linear %b0x2, %b1kw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b1kh = lip.split_heads %b1k : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b1v = lip.linear %b0x2, %b1vw : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b1vh = lip.split_heads %b1v : tensor<1x4x8xf32> -> tensor<1x4x2x4xf32>
  %b1qr = lip.rope %b1qh base 10000.0 : tensor<1x4x2x4xf32>
  %b1kr = lip.rope %b1kh base 10000.0 : tensor<1x4x2x4xf32>
  %b1att = lip.attention %b1qr, %b1kr, %b1vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<1x4x2x4xf32>
  %b1m = lip.merge_heads %b1att : tensor<1x4x2x4xf32> -> tensor<1x4x8xf32>
  %b1o = lip.linear %b1m, %b1ow : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b1x1 = lip.residual %b0x2, %b1o alpha 0.25 : tensor<1x4x8xf32>
  %b1u = lip.linear %b1x1, %b1inw : tensor<1x4x8xf32>, tensor<16x8xf32> -> tensor<1x4x16xf32>
  %b1g = lip.gelu %b1u scale 0.88581797 : tensor<1x4x16xf32>
  %b1d = lip.linear %b1g, %b1outw : tensor<1x4x16xf32>, tensor<8x16xf32> -> tensor<1x4x8xf32>
  %b1x2 = lip.residual %b1x1, %b1d alpha 0.25 : tensor<1x4x8xf32>
  %headw = lip.param "head" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<11x8xf32>
  %logits = lip.linear %b1x2, %headw : tensor<1x4x8xf32>, tensor<11x8xf32> -> tensor<1x4x11xf32>
  return %logits : tensor<1x4x11xf32>
}
