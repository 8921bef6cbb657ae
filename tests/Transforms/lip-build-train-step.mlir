// RUN: lip-opt %s -lip-build-train-step="lr=0.1 schedule=linear steps=100" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: lip-opt %s -split-input-file -verify-diagnostics -lip-build-train-step="lr=0.1 momentum-warmup=300 momentum-start=0.85 nesterov=false" | FileCheck %s --check-prefix=WARMUP
// RUN: lip-opt %s -split-input-file -verify-diagnostics -lip-build-train-step="lr=0.1 embed-inflation=16" | FileCheck %s --check-prefix=ROWS

// Muon for the matrices, AdamW for the embedding; each update is followed by
// its parameter's projection; the state is a momentum per Muon matrix, two
// moments per AdamW parameter and a power-iteration vector where needed.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[E:[^:]*]]: tensor<11x8xf32> {lip.constraint = #lip.constraint<embed_cap
// CHECK-SAME: %[[W:[^:]*]]: tensor<8x8xf32> {lip.constraint = #lip.constraint<soft_cap
// CHECK-SAME: %[[H:[^:]*]]: tensor<11x8xf32> {lip.constraint = #lip.constraint<spectral_normalize
// CHECK-SAME: %[[EM:[^:]*]]: tensor<11x8xf32> {lip.param_name = "embed", lip.state = "adam_m"}
// CHECK-SAME: %[[EV:[^:]*]]: tensor<11x8xf32> {lip.param_name = "embed", lip.state = "adam_v"}
// CHECK-SAME: %[[WB:[^:]*]]: tensor<8x8xf32> {lip.param_name = "w", lip.state = "momentum"}
// CHECK-SAME: %[[HB:[^:]*]]: tensor<11x8xf32> {lip.param_name = "head", lip.state = "momentum"}
// CHECK-SAME: %[[HV:[^:]*]]: tensor<8xf32> {lip.param_name = "head", lip.state = "power_vector"}
// CHECK-SAME: %[[STEP:[^:]*]]: tensor<f64> {lip.state = "step"}
// CHECK-SAME: %[[SCALE:[^:]*]]: tensor<f64> {lip.state = "lr_scale"}
// CHECK-SAME: %[[HORIZON:[^:]*]]: tensor<f64> {lip.state = "horizon"}
// The largest run-time lr scale that keeps the soft cap's guarantee:
// (81/62 - 1) * w_max 0.5 / 0.99934 / lr 0.1.
// CHECK-SAME: attributes {lip.max_lr_scale = 1.53327002273113{{[0-9]*}} : f64}
// The step splits at the gradient: the loss and every gradient go through
// one all_reduce (a data-parallel run's mean over its ranks), whose results
// the updates read.
// CHECK:      %[[C:.*]]:4 = call @gpt_grad(%[[E]], %[[W]], %[[H]],
// CHECK-NEXT: %[[G:.*]]:4 = lipopt.all_reduce %[[C]]#0, %[[C]]#1, %[[C]]#2, %[[C]]#3 : tensor<f32>, tensor<11x8xf32>, tensor<8x8xf32>, tensor<11x8xf32>
// CHECK:      %[[LR:.*]] = lipopt.learning_rate %[[STEP]] <linear> base 1.000000e-01 steps 100 warmup 0
// CHECK-SAME: scale %[[SCALE]] : tensor<f64> horizon %[[HORIZON]] : tensor<f64>
// CHECK:      lipopt.adam %[[EM]], %[[EV]], %[[G]]#1, %[[STEP]]
// CHECK:      lipopt.apply_update %[[E]], {{.*}}, %[[LR]] scale 1.000000e+00
// CHECK:      lipopt.embed_cap {{.*}} w_max 1.000000e+00
// CHECK:      lipopt.momentum %[[WB]], %[[G]]#2 beta 0.94999999999999996 nesterov
// CHECK:      lipopt.newton_schulz {{.*}} <jiacheng6>
// CHECK:      lipopt.apply_update %[[W]], {{.*}}, %[[LR]] scale 1.000000e+00 decay 0.000000e+00
// CHECK:      %[[ALPHA:.*]] = lipopt.soft_cap_coupling %[[LR]] w_max 5.000000e-01 update_norm 9.993400e-01
// CHECK:      lipopt.soft_cap {{.*}}, %[[ALPHA]] w_max 5.000000e-01
// CHECK:      lipopt.momentum %[[HB]], %[[G]]#3
// CHECK:      lipopt.apply_update %[[H]], {{.*}} scale 1.1726039399558574
// CHECK:      lipopt.spectral_normalize {{.*}}, %[[HV]] w_max 2.000000e+00 power_steps 2 gram_steps 6
// CHECK:      return %[[G]]#0, %[[LR]],
// With embed-inflation, the embedding takes the paper's update: its momentum
// (one state tensor, no AdamW moments), rows normalized, then its cap.
// ROWS-LABEL: func.func @train_step(
// ROWS-SAME: {lip.param_name = "embed", lip.state = "momentum"}
// ROWS-NOT: adam_m
// ROWS: %{{.*}}, %[[U:.*]] = lipopt.momentum %{{.*}}, %{{.*}}#1 beta
// ROWS-NEXT: %[[N:.*]] = lipopt.normalize_rows %[[U]] inflation 1.600000e+01
// ROWS-NEXT: lipopt.apply_update %{{.*}}, %[[N]], %{{.*}} scale 1.000000e+00
// ROWS-NEXT: lipopt.embed_cap
func.func @gpt(%ids: tensor<2x4xi32>, %y: tensor<2x4xi32>) -> tensor<f32> {
  %e = lip.param "embed" <embed_cap, w_max = 1.0, norm = l1_to_rms> : tensor<11x8xf32>
  %w = lip.param "w" <soft_cap, w_max = 0.5, norm = rms_to_rms> : tensor<8x8xf32>
  %h = lip.param "head" <spectral_normalize, w_max = 2.0, norm = rms_to_rms> : tensor<11x8xf32>
  %x = lip.embedding %ids, %e : tensor<2x4xi32>, tensor<11x8xf32> -> tensor<2x4x8xf32>
  %a = lip.linear %x, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
  %z = lip.linear %a, %h : tensor<2x4x8xf32>, tensor<11x8xf32> -> tensor<2x4x11xf32>
  %l = lip.cross_entropy %z, %y : tensor<2x4x11xf32>, tensor<2x4xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// With lr 0.1 and w_max 0.2 one step can move sigma to 1.5 w_max, beyond the
// soft cap's 1.306: the guarantee lapses, and the pass says so.
// expected-warning @+1 {{parameter 'w': lr 0.1 moves sigma up to 1.49967 w_max, beyond the soft cap's guarantee (<= 1.30645 w_max); keep lr <= 0.0613308}}
func.func @too_fast(%x: tensor<2x8xf32>, %y: tensor<2xi32>) -> tensor<f32> {
  %w = lip.param "w" <soft_cap, w_max = 0.2, norm = rms_to_rms> : tensor<8x8xf32>
  %z = lip.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  %l = lip.cross_entropy %z, %y : tensor<2x8xf32>, tensor<2xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// The hard cap's polynomial is guaranteed on sigma <= 3.5 w_max: with w_max
// 0.02 and lr 0.1 a step can reach 1.011 + 0.1 * 0.99934 / 0.02 = 6.008
// w_max. The run-time lr scale is limited by the same condition.
// CHECK-LABEL: @too_fast_for_the_hard_cap(
// CHECK: func.func @train_step({{.*}} attributes {lip.max_lr_scale = 0.4981287{{[0-9]*}} : f64}
// expected-warning @+1 {{parameter 'w': lr 0.1 moves sigma up to 6.0077 w_max, beyond the hard cap's guarantee (<= 3.5 w_max); keep lr <= 0.0498129}}
func.func @too_fast_for_the_hard_cap(%x: tensor<2x8xf32>, %y: tensor<2xi32>) -> tensor<f32> {
  %w = lip.param "w" <hard_cap, w_max = 0.02, norm = rms_to_rms> : tensor<8x8xf32>
  %z = lip.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  %l = lip.cross_entropy %z, %y : tensor<2x8xf32>, tensor<2xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Nothing returns a loss.
// expected-error @+1 {{no function returns a loss to train}}
module {
  func.func @logits(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
    return %x : tensor<2x8xf32>
  }
}

// -----

// The NanoGPT momentum warm-up: beta rises from 0.85 over 300 steps.
// WARMUP-LABEL: func.func private @warmup_grad
// WARMUP-LABEL: func.func @train_step
// WARMUP: lipopt.momentum %{{.*}}, %{{.*}} warmup %[[STEP:.*]] : tensor<f64> beta 0.94999999999999996 {beta_start = 8.500000e-01 : f64, warmup_steps = 300 : i64} : tensor<8x8xf32>
func.func @warmup(%x: tensor<2x8xf32>, %y: tensor<2xi32>) -> tensor<f32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %z = lip.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  %l = lip.cross_entropy %z, %y : tensor<2x8xf32>, tensor<2xi32> -> tensor<f32>
  return %l : tensor<f32>
}
