// A tiny model with attention by position (width 8, 2 heads, 6 tokens,
// vocab 11), every weight exactly at its w_max: learned positional queries
// and keys (rows of RMS 4, so the scores span up to 2 s H a_q a_k = 64 and
// the softmax can pick single positions), values from the embedded tokens,
// an MLP and a head. The bound charges attention only its value path.
func.func @positional(%ids: tensor<1x6xi32>) -> tensor<1x6x11xf32> {
  %embed = lip.param "embed" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<11x8xf32>
  %x0 = lip.embedding %ids, %embed : tensor<1x6xi32>, tensor<11x8xf32> -> tensor<1x6x8xf32>
  %pos = lip.positions %ids : tensor<1x6xi32>
  %pqw = lip.param "attn.pq" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<6x8xf32>
  %pkw = lip.param "attn.pk" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<6x8xf32>
  %vw = lip.param "attn.v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %ow = lip.param "attn.o" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %inw = lip.param "mlp.in" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<16x8xf32>
  %outw = lip.param "mlp.out" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x16xf32>
  %headw = lip.param "head" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<11x8xf32>
  %pq = lip.embedding %pos, %pqw : tensor<1x6xi32>, tensor<6x8xf32> -> tensor<1x6x8xf32>
  %pk = lip.embedding %pos, %pkw : tensor<1x6xi32>, tensor<6x8xf32> -> tensor<1x6x8xf32>
  %q = lip.split_heads %pq : tensor<1x6x8xf32> -> tensor<1x6x2x4xf32>
  %k = lip.split_heads %pk : tensor<1x6x8xf32> -> tensor<1x6x2x4xf32>
  %vx = lip.linear %x0, %vw : tensor<1x6x8xf32>, tensor<8x8xf32> -> tensor<1x6x8xf32>
  %v = lip.split_heads %vx : tensor<1x6x8xf32> -> tensor<1x6x2x4xf32>
  %att = lip.attention %q, %k, %v causal logit_scale 1.0 output_factor 1.0 : tensor<1x6x2x4xf32>
  %m = lip.merge_heads %att : tensor<1x6x2x4xf32> -> tensor<1x6x8xf32>
  %o = lip.linear %m, %ow : tensor<1x6x8xf32>, tensor<8x8xf32> -> tensor<1x6x8xf32>
  %x1 = lip.residual %x0, %o alpha 0.5 : tensor<1x6x8xf32>
  %u = lip.linear %x1, %inw : tensor<1x6x8xf32>, tensor<16x8xf32> -> tensor<1x6x16xf32>
  %g = lip.gelu %u scale 0.88581797 : tensor<1x6x16xf32>
  %d = lip.linear %g, %outw : tensor<1x6x16xf32>, tensor<8x16xf32> -> tensor<1x6x8xf32>
  %x2 = lip.residual %x1, %d alpha 0.5 : tensor<1x6x8xf32>
  %logits = lip.linear %x2, %headw : tensor<1x6x8xf32>, tensor<11x8xf32> -> tensor<1x6x11xf32>
  return %logits : tensor<1x6x11xf32>
}
