// Round trip of every backward op.
// RUN: lip-opt %s | lip-opt | FileCheck %s

// CHECK-LABEL: func.func @grads
func.func @grads(%x: tensor<?x8xf32>, %dy: tensor<?x4xf32>, %w: tensor<4x8xf32>,
                 %h: tensor<?x4xf32>, %ids: tensor<2x3xi32>, %de: tensor<2x3x8xf32>,
                 %y: tensor<?xi32>, %dl: tensor<f32>) {
  // CHECK: lip.linear_grad_input %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4x8xf32> -> tensor<?x8xf32>
  %0 = lip.linear_grad_input %dy, %w : tensor<?x4xf32>, tensor<4x8xf32> -> tensor<?x8xf32>
  // CHECK: lip.linear_grad_weight %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<?x8xf32> -> tensor<4x8xf32>
  %1 = lip.linear_grad_weight %dy, %x : tensor<?x4xf32>, tensor<?x8xf32> -> tensor<4x8xf32>
  // CHECK: lip.embedding_grad %{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<2x3x8xf32> -> tensor<11x8xf32>
  %2 = lip.embedding_grad %ids, %de : tensor<2x3xi32>, tensor<2x3x8xf32> -> tensor<11x8xf32>
  // CHECK: lip.relu_grad %{{.*}}, %{{.*}} : tensor<?x4xf32>
  %3 = lip.relu_grad %h, %dy : tensor<?x4xf32>
  // CHECK: lip.abs_grad %{{.*}}, %{{.*}} : tensor<?x4xf32>
  %4 = lip.abs_grad %h, %dy : tensor<?x4xf32>
  // CHECK: lip.maxmin_grad %{{.*}}, %{{.*}} : tensor<?x4xf32>
  %5 = lip.maxmin_grad %h, %dy : tensor<?x4xf32>
  // CHECK: lip.gelu_grad %{{.*}}, %{{.*}} tanh scale 5.000000e-01 : tensor<?x4xf32>
  %6 = lip.gelu_grad %h, %dy tanh scale 0.5 : tensor<?x4xf32>
  // CHECK: lip.cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<?xi32>, tensor<f32>
  %7 = lip.cross_entropy_grad %h, %y, %dl : tensor<?x4xf32>, tensor<?xi32>, tensor<f32>
  // CHECK: lip.concat_grad %{{.*}} offset 1 : tensor<?x4xf32> -> tensor<?x2xf32>
  %8 = lip.concat_grad %dy offset 1 : tensor<?x4xf32> -> tensor<?x2xf32>
  return
}

// CHECK-LABEL: func.func @sequence_grads
func.func @sequence_grads(%q: tensor<1x4x2x4xf32>, %dy: tensor<1x4x2x4xf32>,
                          %flat: tensor<1x32xf32>, %pooled: tensor<1x8xf32>) {
  // CHECK: lip.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} causal logit_scale 1.000000e+00 output_factor 5.000000e-01 : tensor<1x4x2x4xf32>
  %dq, %dk, %dv = lip.attention_grad %q, %q, %q, %dy causal logit_scale 1.0 output_factor 0.5 : tensor<1x4x2x4xf32>
  // CHECK: lip.rope_grad %{{.*}} base 1.000000e+04 : tensor<1x4x2x4xf32>
  %r = lip.rope_grad %dy base 10000.0 : tensor<1x4x2x4xf32>
  // CHECK: lip.unflatten %{{.*}} : tensor<1x32xf32> -> tensor<1x4x8xf32>
  %u = lip.unflatten %flat : tensor<1x32xf32> -> tensor<1x4x8xf32>
  // CHECK: lip.mean_pool_grad %{{.*}} : tensor<1x8xf32> -> tensor<1x4x8xf32>
  %m = lip.mean_pool_grad %pooled : tensor<1x8xf32> -> tensor<1x4x8xf32>
  return
}
