// Every verifier error of the backward ops.
// RUN: lip-opt %s -split-input-file -verify-diagnostics

func.func @grad_input_rank(%dy: tensor<2x4xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{needs a rank-2 weight and a result gradient of rank >= 1}}
  %0 = lip.linear_grad_input %dy, %w : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @grad_input_width(%dy: tensor<2x5xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{result gradient width 5 does not match the weight's fan_out 4}}
  %0 = lip.linear_grad_input %dy, %w : tensor<2x5xf32>, tensor<4x8xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @grad_input_result(%dy: tensor<2x4xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{result dimension 1 must be 8, got 4}}
  %0 = lip.linear_grad_input %dy, %w : tensor<2x4xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @grad_weight_rank(%dy: tensor<2x4xf32>, %x: tensor<2x3x8xf32>) {
  // expected-error @+1 {{result gradient and input must have the same rank >= 1}}
  %0 = lip.linear_grad_weight %dy, %x : tensor<2x4xf32>, tensor<2x3x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @grad_weight_rows(%dy: tensor<2x4xf32>, %x: tensor<3x8xf32>) {
  // expected-error @+1 {{result gradient and input differ in dimension 0}}
  %0 = lip.linear_grad_weight %dy, %x : tensor<2x4xf32>, tensor<3x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @grad_weight_result(%dy: tensor<2x4xf32>, %x: tensor<2x8xf32>) {
  // expected-error @+1 {{result dimension 0 must be 4, got 8}}
  %0 = lip.linear_grad_weight %dy, %x : tensor<2x4xf32>, tensor<2x8xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @embedding_grad_rank(%ids: tensor<2x3xi32>, %dy: tensor<2x8xf32>) {
  // expected-error @+1 {{result gradient must have the ids' rank plus one}}
  %0 = lip.embedding_grad %ids, %dy : tensor<2x3xi32>, tensor<2x8xf32> -> tensor<11x8xf32>
  return
}

// -----

func.func @embedding_grad_table(%ids: tensor<2x3xi32>, %dy: tensor<2x3x8xf32>) {
  // expected-error @+1 {{result must be the table's static shape [vocab, width]}}
  %0 = lip.embedding_grad %ids, %dy : tensor<2x3xi32>, tensor<2x3x8xf32> -> tensor<?x8xf32>
  return
}

// -----

func.func @embedding_grad_width(%ids: tensor<2x3xi32>, %dy: tensor<2x3x8xf32>) {
  // expected-error @+1 {{result dimension 1 must be 8, got 4}}
  %0 = lip.embedding_grad %ids, %dy : tensor<2x3xi32>, tensor<2x3x8xf32> -> tensor<11x4xf32>
  return
}

// -----

func.func @unflatten_rank(%x: tensor<32xf32>) {
  // expected-error @+1 {{maps [batch, n] to [batch, d1, ..., dk]}}
  %0 = lip.unflatten %x : tensor<32xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @unflatten_size(%x: tensor<1x32xf32>) {
  // expected-error @+1 {{result 'tensor<1x4x4xf32>' does not hold the 32 features of each batch element}}
  %0 = lip.unflatten %x : tensor<1x32xf32> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @mean_pool_grad_rank(%x: tensor<1x8xf32>) {
  // expected-error @+1 {{maps [batch, d] to [batch, tokens, d] with static tokens}}
  %0 = lip.mean_pool_grad %x : tensor<1x8xf32> -> tensor<1x?x8xf32>
  return
}

// -----

func.func @mean_pool_grad_width(%x: tensor<1x8xf32>) {
  // expected-error @+1 {{result dimension 2 must be 8, got 4}}
  %0 = lip.mean_pool_grad %x : tensor<1x8xf32> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @concat_grad_outside(%dy: tensor<2x8xf32>) {
  // expected-error @+1 {{features [6, 10) do not lie in the gradient's width 8}}
  %0 = lip.concat_grad %dy offset 6 : tensor<2x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @concat_grad_negative(%dy: tensor<2x8xf32>) {
  // expected-error @+1 {{features [-1, 3) do not lie in the gradient's width 8}}
  %0 = lip.concat_grad %dy offset -1 : tensor<2x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @concat_grad_rank(%dy: tensor<2x8xf32>) {
  // expected-error @+1 {{maps a gradient to a part of its features, of the same rank}}
  %0 = lip.concat_grad %dy offset 0 : tensor<2x8xf32> -> tensor<2x2x4xf32>
  return
}

// -----

func.func @concat_grad_dynamic(%dy: tensor<2x?xf32>) {
  // expected-error @+1 {{widths must be static}}
  %0 = lip.concat_grad %dy offset 0 : tensor<2x?xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @concat_grad_batch(%dy: tensor<2x8xf32>) {
  // expected-error @+1 {{result dimension 0 must be 2, got 3}}
  %0 = lip.concat_grad %dy offset 0 : tensor<2x8xf32> -> tensor<3x4xf32>
  return
}
