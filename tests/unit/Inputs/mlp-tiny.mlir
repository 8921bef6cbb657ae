// A small MLP for the soundness search: 16 -> 32 -> 32 -> 10 with ReLU and
// GroupSort, three constraint methods, weights exactly at their bound.
func.func @mlp(%x: tensor<1x16xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<1x10xf32> {
  %w0 = lip.param "mlp.in" <soft_cap, w_max = 2.0, norm = rms_to_rms> : tensor<32x16xf32>
  %w1 = lip.param "mlp.hidden" <hard_cap, w_max = 1.5, norm = rms_to_rms> : tensor<32x32xf32>
  %w2 = lip.param "mlp.out" <exact_cap, w_max = 1.2, norm = rms_to_rms> : tensor<10x32xf32>
  %h0 = lip.linear %x, %w0 : tensor<1x16xf32>, tensor<32x16xf32> -> tensor<1x32xf32>
  %a0 = lip.relu %h0 : tensor<1x32xf32>
  %h1 = lip.linear %a0, %w1 : tensor<1x32xf32>, tensor<32x32xf32> -> tensor<1x32xf32>
  %a1 = lip.maxmin %h1 : tensor<1x32xf32>
  %y = lip.linear %a1, %w2 : tensor<1x32xf32>, tensor<10x32xf32> -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}
