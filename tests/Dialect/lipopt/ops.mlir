// Round trip of every lipopt op.
// RUN: lip-opt %s | lip-opt | FileCheck %s

// CHECK-LABEL: func.func @optimizer
func.func @optimizer(%w: tensor<8x4xf32>, %b: tensor<8x4xf32>, %g: tensor<8x4xf32>,
                     %step: tensor<f32>) {
  // CHECK: lipopt.learning_rate %{{.*}} <cosine> base 1.000000e-01 steps 100 warmup 10 : tensor<f32>
  %lr = lipopt.learning_rate %step <cosine> base 0.1 steps 100 warmup 10 {fraction = 0.4 : f64} : tensor<f32>
  // CHECK: lipopt.learning_rate %{{.*}} <linear> base 1.000000e-01 steps 100 warmup 0 scale %{{.*}} : tensor<f32> horizon %{{.*}} : tensor<f32> : tensor<f32>
  %lr2 = lipopt.learning_rate %step <linear> base 0.1 steps 100 warmup 0 scale %step : tensor<f32> horizon %step : tensor<f32> : tensor<f32>
  // CHECK: lipopt.momentum %{{.*}}, %{{.*}} beta 0.94999999999999996 nesterov : tensor<8x4xf32>
  %b2, %u = lipopt.momentum %b, %g beta 0.95 nesterov : tensor<8x4xf32>
  // CHECK: lipopt.newton_schulz %{{.*}} <jiacheng6> : tensor<8x4xf32>
  %o = lipopt.newton_schulz %u <jiacheng6> : tensor<8x4xf32>
  // CHECK: lipopt.newton_schulz %{{.*}} <custom> {coefficients = array<f64: 3.000000e+00, -3.000000e+00, 1.000000e+00>} : tensor<8x4xf32>
  %o2 = lipopt.newton_schulz %u <custom> {coefficients = array<f64: 3.0, -3.0, 1.0>} : tensor<8x4xf32>
  // CHECK: lipopt.adam %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} beta1 9.000000e-01 beta2 0.94999999999999996 eps 1.000000e-08 : tensor<8x4xf32>, tensor<f32>
  %m2, %v2, %d = lipopt.adam %b, %b, %g, %step beta1 0.9 beta2 0.95 eps 1.0e-8 : tensor<8x4xf32>, tensor<f32>
  // CHECK: lipopt.apply_update %{{.*}}, %{{.*}}, %{{.*}} scale 1.414000e+00 decay 0.000000e+00 : tensor<8x4xf32>, tensor<f32>
  %w2 = lipopt.apply_update %w, %o, %lr scale 1.414 decay 0.0 : tensor<8x4xf32>, tensor<f32>
  return
}

// CHECK-LABEL: func.func @projections
func.func @projections(%w: tensor<8x4xf32>, %v: tensor<4xf32>, %lr: tensor<f32>, %e: tensor<11x4xf32>) {
  // CHECK: lipopt.soft_cap_coupling %{{.*}} w_max 1.000000e+00 update_norm 0.99933499999999997 decay 0.000000e+00 : tensor<f32>
  %a = lipopt.soft_cap_coupling %lr w_max 1.0 update_norm 0.999335 decay 0.0 : tensor<f32>
  // CHECK: lipopt.soft_cap %{{.*}}, %{{.*}} w_max 2.000000e+00 : tensor<8x4xf32>, tensor<f32>
  %0 = lipopt.soft_cap %w, %a w_max 2.0 : tensor<8x4xf32>, tensor<f32>
  // CHECK: lipopt.hard_cap %{{.*}} w_max 1.000000e+00 : tensor<8x4xf32>
  %1 = lipopt.hard_cap %w w_max 1.0 : tensor<8x4xf32>
  // CHECK: lipopt.exact_cap %{{.*}} w_max 1.000000e+00 : tensor<8x4xf32>
  %2 = lipopt.exact_cap %w w_max 1.0 : tensor<8x4xf32>
  // CHECK: lipopt.orthogonalize %{{.*}} w_max 1.000000e+00 : tensor<8x4xf32>
  %3 = lipopt.orthogonalize %w w_max 1.0 : tensor<8x4xf32>
  // CHECK: lipopt.embed_cap %{{.*}} w_max 1.000000e+00 : tensor<11x4xf32>
  %4 = lipopt.embed_cap %e w_max 1.0 : tensor<11x4xf32>
  // CHECK: lipopt.normalize_rows %{{.*}} inflation 1.600000e+01 : tensor<11x4xf32>
  %n = lipopt.normalize_rows %e inflation 16.0 : tensor<11x4xf32>
  // CHECK: lipopt.spectral_normalize %{{.*}}, %{{.*}} w_max 1.000000e+00 power_steps 2 gram_steps 6 : tensor<8x4xf32>, tensor<4xf32>
  %5, %6 = lipopt.spectral_normalize %w, %v w_max 1.0 power_steps 2 gram_steps 6 : tensor<8x4xf32>, tensor<4xf32>
  // CHECK: lipopt.spectral_hammer %{{.*}}, %{{.*}} w_max 1.000000e+00 power_steps 2 : tensor<8x4xf32>, tensor<4xf32>
  %7, %8 = lipopt.spectral_hammer %w, %v w_max 1.0 power_steps 2 : tensor<8x4xf32>, tensor<4xf32>
  // CHECK: lipopt.spectral_weight_decay %{{.*}}, %{{.*}} strength 1.000000e-01 power_steps 2 : tensor<8x4xf32>, tensor<4xf32>
  %9, %10 = lipopt.spectral_weight_decay %w, %v strength 0.1 power_steps 2 : tensor<8x4xf32>, tensor<4xf32>
  // CHECK: lipopt.muon_soft_cap %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} beta 9.000000e-01 <nanogpt5> scale 1.000000e+00 decay 0.000000e+00 w_max 1.000000e+00 : tensor<8x4xf32>, tensor<f32>
  %11, %12 = lipopt.muon_soft_cap %w, %w, %w, %lr, %a beta 0.9 <nanogpt5> scale 1.0 decay 0.0 w_max 1.0 : tensor<8x4xf32>, tensor<f32>
  return
}

// CHECK-LABEL: func.func @collectives
func.func @collectives(%loss: tensor<f32>, %g: tensor<8x4xf32>) -> (tensor<f32>, tensor<8x4xf32>) {
  // CHECK: %{{.*}}:2 = lipopt.all_reduce %{{.*}}, %{{.*}} : tensor<f32>, tensor<8x4xf32>
  %0:2 = lipopt.all_reduce %loss, %g : tensor<f32>, tensor<8x4xf32>
  return %0#0, %0#1 : tensor<f32>, tensor<8x4xf32>
}

// CHECK-LABEL: func.func @collectives_on_buffers
func.func @collectives_on_buffers(%loss: memref<f32>, %g: memref<8x4xf32, strided<[?, 1], offset: ?>>) {
  // CHECK: lipopt.all_reduce %{{.*}}, %{{.*}} : memref<f32>, memref<8x4xf32, strided<[?, 1], offset: ?>>
  lipopt.all_reduce %loss, %g : memref<f32>, memref<8x4xf32, strided<[?, 1], offset: ?>>
  return
}

