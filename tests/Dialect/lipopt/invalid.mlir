// Every verifier error of the lipopt dialect.
// RUN: lip-opt %s -split-input-file -verify-diagnostics

func.func @lr_steps(%s: tensor<f32>) {
  // expected-error @+1 {{steps must be positive, got 0}}
  %lr = lipopt.learning_rate %s <linear> base 0.1 steps 0 warmup 0 : tensor<f32>
  return
}

// -----

func.func @lr_warmup(%s: tensor<f32>) {
  // expected-error @+1 {{warmup must lie in [0, steps), got 10}}
  %lr = lipopt.learning_rate %s <linear> base 0.1 steps 10 warmup 10 : tensor<f32>
  return
}

// -----

func.func @lr_fraction(%s: tensor<f32>) {
  // expected-error @+1 {{fraction must lie in (0, 1], got 1.5}}
  %lr = lipopt.learning_rate %s <cooldown> base 0.1 steps 10 warmup 0 {fraction = 1.5 : f64} : tensor<f32>
  return
}

// -----

func.func @momentum_beta(%b: tensor<4x4xf32>) {
  // expected-error @+1 {{beta must lie in [0, 1), got 1}}
  %b2, %u = lipopt.momentum %b, %b beta 1.0 : tensor<4x4xf32>
  return
}

// -----

func.func @ns_custom_without(%m: tensor<4x4xf32>) {
  // expected-error @+1 {{set<custom> needs coefficients = array<f64: a, b, c, ...>}}
  %o = lipopt.newton_schulz %m <custom> : tensor<4x4xf32>
  return
}

// -----

func.func @ns_coefficients_not_custom(%m: tensor<4x4xf32>) {
  // expected-error @+1 {{coefficients are only for set<custom>}}
  %o = lipopt.newton_schulz %m <keller5> {coefficients = array<f64: 1.0, 0.0, 0.0>} : tensor<4x4xf32>
  return
}

// -----

func.func @ns_triples(%m: tensor<4x4xf32>) {
  // expected-error @+1 {{coefficients must be (a, b, c) triples, got 2 numbers}}
  %o = lipopt.newton_schulz %m <custom> {coefficients = array<f64: 1.0, 0.0>} : tensor<4x4xf32>
  return
}

// -----

func.func @cap_wmax(%w: tensor<4x4xf32>) {
  // expected-error @+1 {{w_max must be a positive finite number, got 0}}
  %c = lipopt.hard_cap %w w_max 0.0 : tensor<4x4xf32>
  return
}

// -----

func.func @soft_cap_wmax(%w: tensor<4x4xf32>, %a: tensor<f32>) {
  // expected-error @+1 {{w_max must be a positive finite number, got -1}}
  %c = lipopt.soft_cap %w, %a w_max -1.0 : tensor<4x4xf32>, tensor<f32>
  return
}

// -----

func.func @exact_wmax(%w: tensor<4x4xf32>) {
  // expected-error @+1 {{w_max must be a positive finite number}}
  %c = lipopt.exact_cap %w w_max 0.0 : tensor<4x4xf32>
  return
}

// -----

func.func @orthogonalize_wmax(%w: tensor<4x4xf32>) {
  // expected-error @+1 {{w_max must be a positive finite number}}
  %c = lipopt.orthogonalize %w w_max 0.0 : tensor<4x4xf32>
  return
}

// -----

func.func @embed_wmax(%w: tensor<4x4xf32>) {
  // expected-error @+1 {{w_max must be a positive finite number}}
  %c = lipopt.embed_cap %w w_max 0.0 : tensor<4x4xf32>
  return
}

// -----

func.func @normalize_gram(%w: tensor<8x4xf32>, %v: tensor<4xf32>) {
  // expected-error @+1 {{gram_steps must be at least 1}}
  %r, %v2 = lipopt.spectral_normalize %w, %v w_max 1.0 power_steps 1 gram_steps 0 : tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @normalize_vector(%w: tensor<8x4xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{the power-iteration vector must have fan_in = 4 entries, got 8}}
  %r, %v2 = lipopt.spectral_normalize %w, %v w_max 1.0 power_steps 1 gram_steps 4 : tensor<8x4xf32>, tensor<8xf32>
  return
}

// -----

func.func @hammer_vector(%w: tensor<8x4xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{the power-iteration vector must have fan_in = 4 entries, got 8}}
  %r, %v2 = lipopt.spectral_hammer %w, %v w_max 1.0 power_steps 1 : tensor<8x4xf32>, tensor<8xf32>
  return
}

// -----

func.func @hammer_wmax(%w: tensor<8x4xf32>, %v: tensor<4xf32>) {
  // expected-error @+1 {{w_max must be a positive finite number}}
  %r, %v2 = lipopt.spectral_hammer %w, %v w_max 0.0 power_steps 1 : tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @swd_vector(%w: tensor<8x4xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{the power-iteration vector must have fan_in = 4 entries, got 8}}
  %r, %v2 = lipopt.spectral_weight_decay %w, %v strength 0.1 power_steps 1 : tensor<8x4xf32>, tensor<8xf32>
  return
}

// -----

func.func @momentum_warmup_without_step(%b: tensor<4x4xf32>) {
  // expected-error @+1 {{a momentum warm-up needs the step operand}}
  %b2, %u = lipopt.momentum %b, %b beta 0.95 {warmup_steps = 300 : i64} : tensor<4x4xf32>
  return
}

// -----

func.func @normalize_rows_inflation(%m: tensor<11x4xf32>) {
  // expected-error @+1 {{inflation must be a finite number >= 1, got 5.000000e-01}}
  %u = lipopt.normalize_rows %m inflation 0.5 : tensor<11x4xf32>
  return
}

// -----

func.func @momentum_warmup_start(%b: tensor<4x4xf32>, %s: tensor<f64>) {
  // expected-error @+1 {{beta_start must lie in [0, 1), got 1.5}}
  %b2, %u = lipopt.momentum %b, %b warmup %s : tensor<f64> beta 0.95 {beta_start = 1.5 : f64, warmup_steps = 300 : i64} : tensor<4x4xf32>
  return
}

// -----

func.func @all_reduce_nothing() {
  // expected-error @+1 {{needs at least one tensor to reduce}}
  "lipopt.all_reduce"() : () -> ()
  return
}

// -----

func.func @all_reduce_integers(%t: tensor<4xi32>) {
  // expected-error @+1 {{reduces floats, got 'tensor<4xi32>'}}
  %0 = lipopt.all_reduce %t : tensor<4xi32>
  return
}

// -----

func.func @all_reduce_mixed(%t: tensor<4xf32>, %m: memref<4xf32>) {
  // expected-error @+1 {{reduces tensors or buffers, not both, got 'memref<4xf32>'}}
  %0 = lipopt.all_reduce %t, %m : tensor<4xf32>, memref<4xf32>
  return
}

