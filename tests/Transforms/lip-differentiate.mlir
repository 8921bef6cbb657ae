// RUN: lip-opt %s -lip-differentiate -split-input-file -verify-diagnostics | FileCheck %s
// RUN: lip-opt %s -lip-differentiate=append-loss -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=LOSS

// A function returning a loss gets a gradient function: parameters become
// arguments (named, with their constraint), the forward pass is recomputed,
// and the backward ops run in reverse; the input's gradient is not built.
// CHECK-LABEL: func.func @mlp_grad(
// CHECK-SAME: %[[W0:.*]]: tensor<16x8xf32> {lip.constraint = #lip.constraint<exact_cap, w_max = 2.000000e+00, norm = rms_to_rms>, lip.param_name = "in"},
// CHECK-SAME: %[[W1:.*]]: tensor<4x16xf32> {lip.constraint = #lip.constraint<orthogonal, w_max = 1.500000e+00, norm = rms_to_rms>, lip.param_name = "out"},
// CHECK-SAME: %[[X:.*]]: tensor<?x8xf32> {lip.rms_bound = 1.000000e+00 : f64}, %[[Y:.*]]: tensor<?xi32>)
// CHECK-SAME: -> (tensor<f32>, tensor<16x8xf32>, tensor<4x16xf32>)
// CHECK:      %[[H:.*]] = lip.linear %[[X]], %[[W0]]
// CHECK:      %[[A:.*]] = lip.relu %[[H]]
// CHECK:      %[[Z:.*]] = lip.linear %[[A]], %[[W1]]
// CHECK:      %[[L:.*]] = lip.cross_entropy %[[Z]], %[[Y]]
// CHECK:      %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK:      %[[DZ:.*]] = lip.cross_entropy_grad %[[Z]], %[[Y]], %[[ONE]]
// CHECK:      %[[DA:.*]] = lip.linear_grad_input %[[DZ]], %[[W1]]
// CHECK:      %[[DW1:.*]] = lip.linear_grad_weight %[[DZ]], %[[A]]
// CHECK:      %[[DH:.*]] = lip.relu_grad %[[H]], %[[DA]]
// CHECK-NOT:  lip.linear_grad_input
// CHECK:      %[[DW0:.*]] = lip.linear_grad_weight %[[DH]], %[[X]]
// CHECK:      return %[[L]], %[[DW0]], %[[DW1]]
func.func @mlp(%x: tensor<?x8xf32> {lip.rms_bound = 1.0 : f64}, %y: tensor<?xi32>) -> tensor<f32> {
  %w0 = lip.param "in" <exact_cap, w_max = 2.0, norm = rms_to_rms> : tensor<16x8xf32>
  %w1 = lip.param "out" <orthogonal, w_max = 1.5, norm = rms_to_rms> : tensor<4x16xf32>
  %h = lip.linear %x, %w0 : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
  %a = lip.relu %h : tensor<?x16xf32>
  %z = lip.linear %a, %w1 : tensor<?x16xf32>, tensor<4x16xf32> -> tensor<?x4xf32>
  %l = lip.cross_entropy %z, %y : tensor<?x4xf32>, tensor<?xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A value used twice gets the sum of both gradients; a residual scales them.
// CHECK-LABEL: func.func @shared_grad
// CHECK-DAG: lip.scale %{{.*}} by 7.500000e-01
// CHECK-DAG: lip.scale %{{.*}} by 2.500000e-01
// CHECK:     lip.add
// CHECK:     lip.linear_grad_weight
func.func @shared(%x: tensor<2x8xf32>, %y: tensor<2xi32>) -> tensor<f32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %h = lip.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  %r = lip.residual %h, %h alpha 0.25 : tensor<2x8xf32>
  %l = lip.cross_entropy %r, %y : tensor<2x8xf32>, tensor<2xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// An unused parameter gets a zero gradient.
// CHECK-LABEL: func.func @unused_grad
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<4x4xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[ZERO]]
func.func @unused(%x: tensor<2x8xf32>, %y: tensor<2xi32>) -> tensor<f32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %u = lip.param "unused" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  %h = lip.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  %l = lip.cross_entropy %h, %y : tensor<2x8xf32>, tensor<2xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Functions that return logits are left alone unless a loss is appended.
// CHECK-LABEL: func.func @logits
// CHECK-NOT: func.func @logits_grad
// LOSS-LABEL: func.func @logits(%{{.*}}: tensor<2x8xf32>, %{{.*}}: tensor<2xi32>) -> tensor<f32>
// LOSS: lip.cross_entropy
// LOSS-LABEL: func.func @logits_grad
func.func @logits(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %h = lip.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  return %h : tensor<2x8xf32>
}

// -----

// An op without a vector-Jacobian product on the loss's path is an error.
func.func @not_differentiable(%x: tensor<2x8xf32>, %y: tensor<2xi32>) -> tensor<f32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %h = lip.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  // expected-error @+1 {{'lip.relu_grad' cannot be differentiated}}
  %g = lip.relu_grad %h, %h : tensor<2x8xf32>
  %l = lip.cross_entropy %g, %y : tensor<2x8xf32>, tensor<2xi32> -> tensor<f32>
  return %l : tensor<f32>
}
