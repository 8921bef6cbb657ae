// Every verifier error of the lip dialect, one case per split.
// RUN: lip-opt %s -split-input-file -verify-diagnostics

func.func @param_empty_name() {
  // expected-error @+1 {{parameter name must not be empty}}
  %w = lip.param "" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  return
}

// -----

func.func @param_not_matrix() {
  // expected-error @+1 {{parameter must be a matrix (rank 2), got rank 1}}
  %w = lip.param "w" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4xf32>
  return
}

// -----

func.func @param_dynamic() {
  // expected-error @+1 {{parameter shape must be static, got 'tensor<?x4xf32>'}}
  %w = lip.param "w" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<?x4xf32>
  return
}

// -----

func.func @param_embed_cap_on_matrix_norm() {
  // expected-error @+1 {{constraint method 'embed_cap' cannot bound a norm of kind 'rms_to_rms'}}
  %w = lip.param "w" <embed_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  return
}

// -----

func.func @param_spectral_on_rows() {
  // expected-error @+1 {{constraint method 'soft_cap' cannot bound a norm of kind 'l1_to_rms'}}
  %w = lip.param "w" <soft_cap, w_max = 1.0, norm = l1_to_rms> : tensor<4x4xf32>
  return
}

// -----

func.func @param_nonpositive_wmax() {
  // expected-error @+1 {{w_max must be a positive finite number, got 0}}
  %w = lip.param "w" <soft_cap, w_max = 0.0, norm = rms_to_rms> : tensor<4x4xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<2x4xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{weight must have rank 2 ([fan_out, fan_in]), got rank 1}}
  %y = lip.linear %x, %w : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %y = lip.linear %x, %w : tensor<f32>, tensor<4x4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @linear_element_type(%x: tensor<2x4xf32>, %w: tensor<3x4xf64>) {
  // expected-error @+1 {{weight element type 'f64' does not match input element type 'f32'}}
  %y = lip.linear %x, %w : tensor<2x4xf32>, tensor<3x4xf64> -> tensor<2x3xf32>
  return
}

// -----

func.func @linear_width(%x: tensor<2x5xf32>, %w: tensor<3x4xf32>) {
  // expected-error @+1 {{input width 5 does not match the weight's fan_in 4}}
  %y = lip.linear %x, %w : tensor<2x5xf32>, tensor<3x4xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @linear_result_dim(%x: tensor<2x4xf32>, %w: tensor<3x4xf32>) {
  // expected-error @+1 {{result dimension 1 must be 3, got 4}}
  %y = lip.linear %x, %w : tensor<2x4xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_result_rank(%x: tensor<2x4xf32>, %w: tensor<3x4xf32>) {
  // expected-error @+1 {{result must have rank 2, got 3}}
  %y = lip.linear %x, %w : tensor<2x4xf32>, tensor<3x4xf32> -> tensor<2x3x1xf32>
  return
}

// -----

func.func @linear_result_element(%x: tensor<2x4xf32>, %w: tensor<3x4xf32>) {
  // expected-error @+1 {{result element type 'f16' does not match input element type 'f32'}}
  %y = lip.linear %x, %w : tensor<2x4xf32>, tensor<3x4xf32> -> tensor<2x3xf16>
  return
}

// -----

func.func @embedding_table_rank(%ids: tensor<8xi32>, %e: tensor<65xf32>) {
  // expected-error @+1 {{table must have rank 2 ([vocab, width]), got rank 1}}
  %y = lip.embedding %ids, %e : tensor<8xi32>, tensor<65xf32> -> tensor<8x1xf32>
  return
}

// -----

func.func @embedding_result(%ids: tensor<8xi32>, %e: tensor<65x16xf32>) {
  // expected-error @+1 {{result dimension 1 must be 16, got 8}}
  %y = lip.embedding %ids, %e : tensor<8xi32>, tensor<65x16xf32> -> tensor<8x8xf32>
  return
}

// -----

func.func @positions_rank(%ids: tensor<i32>) {
  // expected-error @+1 {{ids must have rank >= 1 (positions run along the last dimension)}}
  %p = lip.positions %ids : tensor<i32>
  return
}

// -----

func.func @positions_dynamic_length(%ids: tensor<2x?xi32>) {
  // expected-error @+1 {{the sequence length (last dimension) must be static}}
  %p = lip.positions %ids : tensor<2x?xi32>
  return
}

// -----

func.func @positions_too_narrow(%ids: tensor<2x300xi8>) {
  // expected-error @+1 {{positions up to 299 do not fit in i8}}
  %p = lip.positions %ids : tensor<2x300xi8>
  return
}

// -----

func.func @maxmin_odd(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{last dimension must be static and even to form pairs, got 5}}
  %y = lip.maxmin %x : tensor<2x5xf32>
  return
}

// -----

func.func @maxmin_dynamic(%x: tensor<2x?xf32>) {
  // expected-error @+1 {{last dimension must be static and even to form pairs, got ?}}
  %y = lip.maxmin %x : tensor<2x?xf32>
  return
}

// -----

func.func @maxmin_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %y = lip.maxmin %x : tensor<f32>
  return
}

// -----

func.func @residual_alpha(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{alpha must lie in [0, 1] for a convex residual, got 1.5}}
  %y = lip.residual %x, %x alpha 1.5 : tensor<2x4xf32>
  return
}

// -----

func.func @attention_rank(%x: tensor<2x8x16xf32>) {
  // expected-error @+1 {{operands must be [batch, tokens, heads, head_dim] (rank 4), got rank 3}}
  %y = lip.attention %x, %x, %x causal logit_scale 1.0 output_factor 1.0 : tensor<2x8x16xf32>
  return
}

// -----

func.func @attention_dynamic_heads(%x: tensor<2x8x?x8xf32>) {
  // expected-error @+1 {{heads and head_dim must be static, got 'tensor<2x8x?x8xf32>'}}
  %y = lip.attention %x, %x, %x causal logit_scale 1.0 output_factor 1.0 : tensor<2x8x?x8xf32>
  return
}

// -----

func.func @attention_logit_scale(%x: tensor<2x8x2x8xf32>) {
  // expected-error @+1 {{logit_scale must be finite}}
  %y = lip.attention %x, %x, %x causal logit_scale 0x7FF0000000000000 output_factor 1.0 : tensor<2x8x2x8xf32>
  return
}

// -----

func.func @attention_output_factor(%x: tensor<2x8x2x8xf32>) {
  // expected-error @+1 {{output_factor must be finite}}
  %y = lip.attention %x, %x, %x causal logit_scale 1.0 output_factor 0x7FF8000000000000 : tensor<2x8x2x8xf32>
  return
}

// -----

func.func @attention_types(%q: tensor<2x8x2x8xf32>, %k: tensor<2x8x4x4xf32>) {
  // expected-error @+1 {{all of {query, key, value, result} have same type}}
  %y = "lip.attention"(%q, %k, %q) {logit_scale = 1.0 : f64, output_factor = 1.0 : f64} : (tensor<2x8x2x8xf32>, tensor<2x8x4x4xf32>, tensor<2x8x2x8xf32>) -> tensor<2x8x2x8xf32>
  return
}

// -----

func.func @rope_rank(%x: tensor<2x8x16xf32>) {
  // expected-error @+1 {{input must be [batch, tokens, heads, head_dim] (rank 4), got rank 3}}
  %y = lip.rope %x base 10000.0 : tensor<2x8x16xf32>
  return
}

// -----

func.func @rope_odd(%x: tensor<2x8x2x7xf32>) {
  // expected-error @+1 {{head_dim must be static and even, got 7}}
  %y = lip.rope %x base 10000.0 : tensor<2x8x2x7xf32>
  return
}

// -----

func.func @rope_tokens(%x: tensor<2x?x2x8xf32>) {
  // expected-error @+1 {{the number of tokens must be static, got 'tensor<2x?x2x8xf32>'}}
  %y = lip.rope %x base 10000.0 : tensor<2x?x2x8xf32>
  return
}

// -----

func.func @rope_base(%x: tensor<2x8x2x8xf32>) {
  // expected-error @+1 {{base must be greater than 1, got 1}}
  %y = lip.rope %x base 1.0 : tensor<2x8x2x8xf32>
  return
}

// -----

func.func @split_input_rank(%x: tensor<2x16xf32>) {
  // expected-error @+1 {{input must be [batch, tokens, width] (rank 3), got rank 2}}
  %y = lip.split_heads %x : tensor<2x16xf32> -> tensor<2x1x2x8xf32>
  return
}

// -----

func.func @split_result_rank(%x: tensor<2x8x16xf32>) {
  // expected-error @+1 {{result must be [batch, tokens, heads, head_dim] (rank 4), got rank 3}}
  %y = lip.split_heads %x : tensor<2x8x16xf32> -> tensor<2x8x16xf32>
  return
}

// -----

func.func @split_dynamic_heads(%x: tensor<2x8x16xf32>) {
  // expected-error @+1 {{heads and head_dim must be static}}
  %y = lip.split_heads %x : tensor<2x8x16xf32> -> tensor<2x8x?x8xf32>
  return
}

// -----

func.func @split_width(%x: tensor<2x8x16xf32>) {
  // expected-error @+1 {{width 16 is not heads * head_dim = 3 * 8}}
  %y = lip.split_heads %x : tensor<2x8x16xf32> -> tensor<2x8x3x8xf32>
  return
}

// -----

func.func @split_result_dim(%x: tensor<2x8x16xf32>) {
  // expected-error @+1 {{result dimension 1 must be 8, got 4}}
  %y = lip.split_heads %x : tensor<2x8x16xf32> -> tensor<2x4x2x8xf32>
  return
}

// -----

func.func @merge_rank(%x: tensor<2x8x16xf32>) {
  // expected-error @+1 {{input must be [batch, tokens, heads, head_dim] (rank 4), got rank 3}}
  %y = lip.merge_heads %x : tensor<2x8x16xf32> -> tensor<2x8x16xf32>
  return
}

// -----

func.func @merge_width(%x: tensor<2x8x2x8xf32>) {
  // expected-error @+1 {{result dimension 2 must be 16, got 8}}
  %y = lip.merge_heads %x : tensor<2x8x2x8xf32> -> tensor<2x8x8xf32>
  return
}

// -----

func.func @flatten_rank(%x: tensor<16xf32>) {
  // expected-error @+1 {{input must have a batch dimension and features (rank >= 2), got rank 1}}
  %y = lip.flatten %x : tensor<16xf32> -> tensor<16x1xf32>
  return
}

// -----

func.func @flatten_width(%x: tensor<2x28x28xf32>) {
  // expected-error @+1 {{result dimension 1 must be 784, got 28}}
  %y = lip.flatten %x : tensor<2x28x28xf32> -> tensor<2x28xf32>
  return
}

// -----

func.func @mean_pool_rank(%x: tensor<2x16xf32>) {
  // expected-error @+1 {{input must be [batch, tokens, width] (rank 3), got rank 2}}
  %y = lip.mean_pool %x : tensor<2x16xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @mean_pool_result(%x: tensor<2x8x16xf32>) {
  // expected-error @+1 {{result dimension 1 must be 16, got 8}}
  %y = lip.mean_pool %x : tensor<2x8x16xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @ce_scalar_logits(%z: tensor<f32>, %y: tensor<i32>) {
  // expected-error @+1 {{logits must have a class dimension}}
  %l = lip.cross_entropy %z, %y : tensor<f32>, tensor<i32> -> tensor<f32>
  return
}

// -----

func.func @ce_target_rank(%z: tensor<2x8x65xf32>, %y: tensor<2xi32>) {
  // expected-error @+1 {{targets must have rank 2 (the logits without classes), got rank 1}}
  %l = lip.cross_entropy %z, %y : tensor<2x8x65xf32>, tensor<2xi32> -> tensor<f32>
  return
}

// -----

func.func @ce_target_dim(%z: tensor<2x8x65xf32>, %y: tensor<2x4xi32>) {
  // expected-error @+1 {{targets dimension 1 (4) does not match logits dimension 8}}
  %l = lip.cross_entropy %z, %y : tensor<2x8x65xf32>, tensor<2x4xi32> -> tensor<f32>
  return
}

// -----

func.func @ce_dynamic_classes(%z: tensor<2x?xf32>, %y: tensor<2xi32>) {
  // expected-error @+1 {{the number of classes must be static}}
  %l = lip.cross_entropy %z, %y : tensor<2x?xf32>, tensor<2xi32> -> tensor<f32>
  return
}

// -----

func.func @ce_result_type(%z: tensor<2x10xf32>, %y: tensor<2xi32>) {
  // expected-error @+1 {{result element type must match the logits}}
  %l = lip.cross_entropy %z, %y : tensor<2x10xf32>, tensor<2xi32> -> tensor<f64>
  return
}

// -----

func.func @concat_none() {
  // expected-error @+1 {{needs at least one input}}
  %c = "lip.concat"() : () -> tensor<2x4xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x4xf32>, %b: tensor<2x1x4xf32>) {
  // expected-error @+1 {{inputs must have one rank of at least 1; input 1 has rank 3, input 0 rank 2}}
  %c = lip.concat %a, %b : tensor<2x4xf32>, tensor<2x1x4xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @concat_element_type(%a: tensor<2x4xf32>, %b: tensor<2x4xf64>) {
  // expected-error @+1 {{input 1 has element type 'f64', input 0 'f32'}}
  %c = lip.concat %a, %b : tensor<2x4xf32>, tensor<2x4xf64> -> tensor<2x8xf32>
  return
}

// -----

func.func @concat_dynamic_width(%a: tensor<2x4xf32>, %b: tensor<2x?xf32>) {
  // expected-error @+1 {{the width of input 1 must be static and positive, got ?}}
  %c = lip.concat %a, %b : tensor<2x4xf32>, tensor<2x?xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @concat_leading(%a: tensor<2x8x4xf32>, %b: tensor<2x6x4xf32>) {
  // expected-error @+1 {{input 1 dimension 1 is 6, input 0's 8}}
  %c = lip.concat %a, %b : tensor<2x8x4xf32>, tensor<2x6x4xf32> -> tensor<2x8x8xf32>
  return
}

// -----

func.func @concat_width(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{result dimension 1 must be 8, got 6}}
  %c = lip.concat %a, %b : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_empty_part(%a: tensor<2x4xf32>, %b: tensor<2x0xf32>) {
  // expected-error @+1 {{the width of input 1 must be static and positive, got 0}}
  %c = lip.concat %a, %b : tensor<2x4xf32>, tensor<2x0xf32> -> tensor<2x4xf32>
  return
}
