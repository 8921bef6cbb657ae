// RUN: lip-opt %s -lipopt-fuse-projection -split-input-file | FileCheck %s

// The Muon step and the soft cap of one weight become one op.
// CHECK-LABEL: func.func @fuse
// CHECK-SAME: (%[[W:.*]]: tensor<8x4xf32>, %[[B:.*]]: tensor<8x4xf32>, %[[G:.*]]: tensor<8x4xf32>, %[[LR:.*]]: tensor<f64>, %[[A:.*]]: tensor<f64>)
// CHECK-NEXT: %[[NW:.*]], %[[NB:.*]] = lipopt.muon_soft_cap %[[W]], %[[B]], %[[G]], %[[LR]], %[[A]] beta 9.000000e-01 nesterov <nanogpt5> scale 1.414000e+00 decay 1.000000e-02 w_max 2.000000e+00
// CHECK-NEXT: return %[[NW]], %[[NB]]
func.func @fuse(%w: tensor<8x4xf32>, %b: tensor<8x4xf32>, %g: tensor<8x4xf32>, %lr: tensor<f64>, %alpha: tensor<f64>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %b2, %u = lipopt.momentum %b, %g beta 0.9 nesterov : tensor<8x4xf32>
  %o = lipopt.newton_schulz %u <nanogpt5> : tensor<8x4xf32>
  %w2 = lipopt.apply_update %w, %o, %lr scale 1.414 decay 0.01 : tensor<8x4xf32>, tensor<f64>
  %w3 = lipopt.soft_cap %w2, %alpha w_max 2.0 : tensor<8x4xf32>, tensor<f64>
  return %w3, %b2 : tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

// Not fused: the unprojected weight is also returned (say, for logging the
// size of the projection), so it must be computed on its own.
// CHECK-LABEL: func.func @unprojected_weight_used
// CHECK-NOT: lipopt.muon_soft_cap
// CHECK: lipopt.soft_cap
func.func @unprojected_weight_used(%w: tensor<8x4xf32>, %b: tensor<8x4xf32>, %g: tensor<8x4xf32>, %lr: tensor<f64>, %alpha: tensor<f64>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %b2, %u = lipopt.momentum %b, %g beta 0.9 : tensor<8x4xf32>
  %o = lipopt.newton_schulz %u <jiacheng6> : tensor<8x4xf32>
  %w2 = lipopt.apply_update %w, %o, %lr scale 1.0 decay 0.0 : tensor<8x4xf32>, tensor<f64>
  %w3 = lipopt.soft_cap %w2, %alpha w_max 2.0 : tensor<8x4xf32>, tensor<f64>
  return %w3, %w2 : tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

// Not fused: the update is not an orthogonalized Muon step (AdamW).
// CHECK-LABEL: func.func @adam_update
// CHECK-NOT: lipopt.muon_soft_cap
func.func @adam_update(%w: tensor<8x4xf32>, %m: tensor<8x4xf32>, %g: tensor<8x4xf32>, %step: tensor<f64>, %lr: tensor<f64>, %alpha: tensor<f64>) -> tensor<8x4xf32> {
  %m2, %v2, %d = lipopt.adam %m, %m, %g, %step beta1 0.9 beta2 0.95 eps 1.0e-8 : tensor<8x4xf32>, tensor<f64>
  %w2 = lipopt.apply_update %w, %d, %lr scale 1.0 decay 0.0 : tensor<8x4xf32>, tensor<f64>
  %w3 = lipopt.soft_cap %w2, %alpha w_max 2.0 : tensor<8x4xf32>, tensor<f64>
  return %w3 : tensor<8x4xf32>
}

// -----

// Not fused: the orthogonalized update is used twice.
// CHECK-LABEL: func.func @update_reused
// CHECK-NOT: lipopt.muon_soft_cap
func.func @update_reused(%w: tensor<8x4xf32>, %b: tensor<8x4xf32>, %g: tensor<8x4xf32>, %lr: tensor<f64>, %alpha: tensor<f64>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %b2, %u = lipopt.momentum %b, %g beta 0.9 : tensor<8x4xf32>
  %o = lipopt.newton_schulz %u <jiacheng6> : tensor<8x4xf32>
  %w2 = lipopt.apply_update %w, %o, %lr scale 1.0 decay 0.0 : tensor<8x4xf32>, tensor<f64>
  %w3 = lipopt.soft_cap %w2, %alpha w_max 2.0 : tensor<8x4xf32>, tensor<f64>
  return %w3, %o : tensor<8x4xf32>, tensor<8x4xf32>
}
