// RUN: lip-opt %s -lip-check-budget=max=6.0 -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=PASS
// RUN: lip-opt %s -lip-check-budget -split-input-file -verify-diagnostics -o /dev/null

// Within the budget: the IR passes through unchanged.
// PASS-LABEL: func.func @within
func.func @within(%x: tensor<?x8xf32>) -> tensor<?x8xf32> attributes {lip.budget = 7.0 : f64} {
  %w = lip.param "w" <exact_cap, w_max = 2.0, norm = rms_to_rms> : tensor<8x8xf32>
  %y = lip.linear %x, %w : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Over budget: the error lists, at their locations, the ops that change the
// bound (ReLU, factor 1, is left out).
// expected-error @+1 {{certified Lipschitz bound 8 exceeds the budget}}
func.func @over(%x: tensor<?x8xf32>) -> tensor<?x8xf32> attributes {lip.budget = 5.0 : f64} {
  %w0 = lip.param "a" <exact_cap, w_max = 2.0, norm = rms_to_rms> : tensor<8x8xf32>
  %w1 = lip.param "b" <exact_cap, w_max = 4.0, norm = rms_to_rms> : tensor<8x8xf32>
  // expected-note @+1 {{'lip.linear': factor 2, bound so far 2}}
  %h = lip.linear %x, %w0 : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
  %a = lip.relu %h : tensor<?x8xf32>
  // expected-note @+1 {{'lip.linear': factor 4, bound so far 8}}
  %y = lip.linear %a, %w1 : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// A bound that is not certified cannot meet any budget.
// expected-error @+1 {{: the bound is not certified (parameter 'w': method 'weight_decay' guarantees no norm)}}
func.func @uncertified(%x: tensor<?x8xf32>) -> tensor<?x8xf32> attributes {lip.budget = 10.0 : f64} {
  %w = lip.param "w" <weight_decay, w_max = 3.0, norm = rms_to_rms> : tensor<8x8xf32>
  // expected-note @+1 {{'lip.linear': factor 3, bound so far 3}}
  %y = lip.linear %x, %w : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
