// RUN: lip-opt %s -lip-propagate-bounds -split-input-file -verify-diagnostics | FileCheck %s

// Every op gets its bound; the function gets the bound of its result.
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: lip.result_bound = #lip.bound<factor = 3.000000e+00, lipschitz = 3.000000e+00, rms = 3.000000e+00>
// CHECK: lip.param "in" {{.*}} {lip.bound = #lip.bound<factor = 2.000000e+00, lipschitz = 0.000000e+00, rms = inf>}
// CHECK: lip.linear {{.*}} {lip.bound = #lip.bound<factor = 2.000000e+00, lipschitz = 2.000000e+00, rms = 2.000000e+00>}
// CHECK: lip.relu {{.*}} {lip.bound = #lip.bound<factor = 1.000000e+00, lipschitz = 2.000000e+00, rms = 2.000000e+00>}
// CHECK: lip.linear {{.*}} {lip.bound = #lip.bound<factor = 1.500000e+00, lipschitz = 3.000000e+00, rms = 3.000000e+00>}
// CHECK-NOT: lip.not_certified
func.func @mlp(%x: tensor<?x8xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<?x4xf32> {
  %w0 = lip.param "in" <exact_cap, w_max = 2.0, norm = rms_to_rms> : tensor<16x8xf32>
  %w1 = lip.param "out" <orthogonal, w_max = 1.5, norm = rms_to_rms> : tensor<4x16xf32>
  %h = lip.linear %x, %w0 : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
  %a = lip.relu %h : tensor<?x16xf32>
  %y = lip.linear %a, %w1 : tensor<?x16xf32>, tensor<4x16xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// A bound that is not certified is marked as such, with the reason, on the
// ops it reaches and on the function.
// CHECK-LABEL: func.func @hammer
// CHECK-SAME: lip.not_certified = "parameter 'w': method 'spectral_hammer' only resets the top singular value; others may exceed w_max"
// CHECK: lip.linear {{.*}} lip.not_certified = "parameter 'w'
func.func @hammer(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %w = lip.param "w" <spectral_hammer, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %y = lip.linear %x, %w : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// An op with no Lipschitz rule stops the pass: it never counts as 1.
func.func @no_rule(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'func.call' has no Lipschitz rule; every op of a certified graph needs one}}
  %y = func.call @no_rule(%x) : (tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// A weight that depends on the input makes a bilinear map: unbounded.
// CHECK-LABEL: func.func @bilinear
// CHECK: lip.not_certified = "the linear weight depends on the model input (a bilinear map)"
func.func @bilinear(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %y = lip.linear %x, %x : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32>
  return %y : tensor<8x8xf32>
}

// -----

// A weight computed from a parameter is no longer the constrained parameter:
// the analysis does not guess its norm.
// CHECK-LABEL: func.func @derived_weight
// CHECK: lip.not_certified = "the linear weight has no norm bound (not a constrained lip.param)"
func.func @derived_weight(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %w2 = lip.scale %w by 2.0 : tensor<8x8xf32>
  %y = lip.linear %x, %w2 : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Attention on inputs of unbounded RMS is not Lipschitz.
// CHECK-LABEL: func.func @attention_unbounded_input
// CHECK: lip.not_certified = "attention is Lipschitz only on bounded inputs, and the RMS of its queries or keys is unbounded (give the model input an RMS bound)"
func.func @attention_unbounded_input(%x: tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32> {
  %y = lip.attention %x, %x, %x causal logit_scale 1.0 output_factor 1.0 : tensor<1x4x2x4xf32>
  return %y : tensor<1x4x2x4xf32>
}

// -----

func.func @no_results(%x: tensor<8xf32>) {
  // expected-error @+1 {{the function returns nothing to bound}}
  return
}

// -----

// A declaration has no body and nothing to bound: it is left alone.
// CHECK-LABEL: func.func private @declaration
// CHECK-NOT: lip.result_bound
func.func private @declaration(tensor<8xf32>) -> tensor<8xf32>

// -----

// Control flow is not supported yet: the error says so instead of guessing.
// expected-error @+1 {{the bound analysis needs a single-block function body}}
func.func @branches(%x: tensor<8xf32>) -> tensor<8xf32> {
  cf.br ^next
^next:
  return %x : tensor<8xf32>
}
