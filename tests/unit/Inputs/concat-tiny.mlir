// Tiny models joined by lip.concat, every weight exactly at its w_max.
//
// @pooled: each token's embedding beside two single-head attentions by
// position over the embedded tokens (tables of RMS 4, so each can pick one
// earlier token), an MLP with maxmin and a head: the concat costs the root
// mean square of its parts, here 1, so the bound is the head's times the
// MLP's.
//
// @separate_heads: two content-based single-head attentions, each with its
// own q, k and v maps, side by side, then an output map.
func.func @pooled(%ids: tensor<1x6xi32>) -> tensor<1x6x11xf32> {
  %embed = lip.param "embed" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<11x8xf32>
  %x = lip.embedding %ids, %embed : tensor<1x6xi32>, tensor<11x8xf32> -> tensor<1x6x8xf32>
  %pos = lip.positions %ids : tensor<1x6xi32>
  %q1w = lip.param "p1.pq" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<6x8xf32>
  %k1w = lip.param "p1.pk" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<6x8xf32>
  %q2w = lip.param "p2.pq" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<6x8xf32>
  %k2w = lip.param "p2.pk" <embed_cap, w_max = 4.0, norm = l1_to_rms> : tensor<6x8xf32>
  %inw = lip.param "in" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<16x24xf32>
  %headw = lip.param "head" <exact_cap, w_max = 2.0, norm = rms_to_rms> : tensor<11x16xf32>
  %v = lip.split_heads %x : tensor<1x6x8xf32> -> tensor<1x6x1x8xf32>
  %q1e = lip.embedding %pos, %q1w : tensor<1x6xi32>, tensor<6x8xf32> -> tensor<1x6x8xf32>
  %k1e = lip.embedding %pos, %k1w : tensor<1x6xi32>, tensor<6x8xf32> -> tensor<1x6x8xf32>
  %q1 = lip.split_heads %q1e : tensor<1x6x8xf32> -> tensor<1x6x1x8xf32>
  %k1 = lip.split_heads %k1e : tensor<1x6x8xf32> -> tensor<1x6x1x8xf32>
  %a1 = lip.attention %q1, %k1, %v causal logit_scale 1.0 output_factor 1.0 : tensor<1x6x1x8xf32>
  %p1 = lip.merge_heads %a1 : tensor<1x6x1x8xf32> -> tensor<1x6x8xf32>
  %q2e = lip.embedding %pos, %q2w : tensor<1x6xi32>, tensor<6x8xf32> -> tensor<1x6x8xf32>
  %k2e = lip.embedding %pos, %k2w : tensor<1x6xi32>, tensor<6x8xf32> -> tensor<1x6x8xf32>
  %q2 = lip.split_heads %q2e : tensor<1x6x8xf32> -> tensor<1x6x1x8xf32>
  %k2 = lip.split_heads %k2e : tensor<1x6x8xf32> -> tensor<1x6x1x8xf32>
  %a2 = lip.attention %q2, %k2, %v causal logit_scale 1.0 output_factor 1.0 : tensor<1x6x1x8xf32>
  %p2 = lip.merge_heads %a2 : tensor<1x6x1x8xf32> -> tensor<1x6x8xf32>
  %c = lip.concat %x, %p1, %p2 : tensor<1x6x8xf32>, tensor<1x6x8xf32>, tensor<1x6x8xf32> -> tensor<1x6x24xf32>
  %u = lip.linear %c, %inw : tensor<1x6x24xf32>, tensor<16x24xf32> -> tensor<1x6x16xf32>
  %h = lip.maxmin %u : tensor<1x6x16xf32>
  %logits = lip.linear %h, %headw : tensor<1x6x16xf32>, tensor<11x16xf32> -> tensor<1x6x11xf32>
  return %logits : tensor<1x6x11xf32>
}

func.func @separate_heads(%x: tensor<1x5x8xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<1x5x8xf32> {
  %q1w = lip.param "h1.q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x8xf32>
  %k1w = lip.param "h1.k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x8xf32>
  %v1w = lip.param "h1.v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x8xf32>
  %q2w = lip.param "h2.q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x8xf32>
  %k2w = lip.param "h2.k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x8xf32>
  %v2w = lip.param "h2.v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x8xf32>
  %ow = lip.param "out" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %q1x = lip.linear %x, %q1w : tensor<1x5x8xf32>, tensor<4x8xf32> -> tensor<1x5x4xf32>
  %k1x = lip.linear %x, %k1w : tensor<1x5x8xf32>, tensor<4x8xf32> -> tensor<1x5x4xf32>
  %v1x = lip.linear %x, %v1w : tensor<1x5x8xf32>, tensor<4x8xf32> -> tensor<1x5x4xf32>
  %q1 = lip.split_heads %q1x : tensor<1x5x4xf32> -> tensor<1x5x1x4xf32>
  %k1 = lip.split_heads %k1x : tensor<1x5x4xf32> -> tensor<1x5x1x4xf32>
  %v1 = lip.split_heads %v1x : tensor<1x5x4xf32> -> tensor<1x5x1x4xf32>
  %a1 = lip.attention %q1, %k1, %v1 causal logit_scale 1.0 output_factor 1.0 : tensor<1x5x1x4xf32>
  %m1 = lip.merge_heads %a1 : tensor<1x5x1x4xf32> -> tensor<1x5x4xf32>
  %q2x = lip.linear %x, %q2w : tensor<1x5x8xf32>, tensor<4x8xf32> -> tensor<1x5x4xf32>
  %k2x = lip.linear %x, %k2w : tensor<1x5x8xf32>, tensor<4x8xf32> -> tensor<1x5x4xf32>
  %v2x = lip.linear %x, %v2w : tensor<1x5x8xf32>, tensor<4x8xf32> -> tensor<1x5x4xf32>
  %q2 = lip.split_heads %q2x : tensor<1x5x4xf32> -> tensor<1x5x1x4xf32>
  %k2 = lip.split_heads %k2x : tensor<1x5x4xf32> -> tensor<1x5x1x4xf32>
  %v2 = lip.split_heads %v2x : tensor<1x5x4xf32> -> tensor<1x5x1x4xf32>
  %a2 = lip.attention %q2, %k2, %v2 logit_scale 1.0 output_factor 1.0 : tensor<1x5x1x4xf32>
  %m2 = lip.merge_heads %a2 : tensor<1x5x1x4xf32> -> tensor<1x5x4xf32>
  %c = lip.concat %m1, %m2 : tensor<1x5x4xf32>, tensor<1x5x4xf32> -> tensor<1x5x8xf32>
  %y = lip.linear %c, %ow : tensor<1x5x8xf32>, tensor<8x8xf32> -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
}
