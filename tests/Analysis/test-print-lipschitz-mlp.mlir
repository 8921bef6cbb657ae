// The bound analysis, value by value, on the paper's 3-layer MLP.
// Every weight is capped at w_max in the RMS->RMS norm and ReLU is
// 1-Lipschitz, so the bound is the product 2 * 2 * 1.5 = 6.
// RUN: lip-opt %s -test-print-lipschitz -split-input-file -verify-diagnostics -o /dev/null | FileCheck %s

// CHECK-LABEL: func @mlp
// CHECK-NEXT: %arg0: lipschitz = 1, rms = 1
// CHECK-NEXT: %0 = lip.param: factor = 2, lipschitz = 0, rms = inf
// CHECK-NEXT: %1 = lip.param: factor = 2, lipschitz = 0, rms = inf
// CHECK-NEXT: %2 = lip.param: factor = 1.5, lipschitz = 0, rms = inf
// CHECK-NEXT: %3 = lip.linear: factor = 2, lipschitz = 2, rms = 2
// CHECK-NEXT: %4 = lip.relu: factor = 1, lipschitz = 2, rms = 2
// CHECK-NEXT: %5 = lip.linear: factor = 2, lipschitz = 4, rms = 4
// CHECK-NEXT: %6 = lip.relu: factor = 1, lipschitz = 4, rms = 4
// CHECK-NEXT: %7 = lip.linear: factor = 1.5, lipschitz = 6, rms = 6
// CHECK-NEXT: result: lipschitz = 6, rms = 6
// CHECK-NOT: not certified
func.func @mlp(%x: tensor<?x784xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<?x10xf32> {
  %w0 = lip.param "mlp.in" <soft_cap, w_max = 2.0, norm = rms_to_rms> : tensor<256x784xf32>
  %w1 = lip.param "mlp.hidden" <soft_cap, w_max = 2.0, norm = rms_to_rms> : tensor<256x256xf32>
  %w2 = lip.param "mlp.out" <soft_cap, w_max = 1.5, norm = rms_to_rms> : tensor<10x256xf32>
  %h0 = lip.linear %x, %w0 : tensor<?x784xf32>, tensor<256x784xf32> -> tensor<?x256xf32>
  %a0 = lip.relu %h0 : tensor<?x256xf32>
  %h1 = lip.linear %a0, %w1 : tensor<?x256xf32>, tensor<256x256xf32> -> tensor<?x256xf32>
  %a1 = lip.relu %h1 : tensor<?x256xf32>
  %y = lip.linear %a1, %w2 : tensor<?x256xf32>, tensor<10x256xf32> -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

// A weight trained with plain weight decay guarantees no norm: the bound is
// nominal and says why it is not certified, from that layer on.
// CHECK-LABEL: func @mlp_weight_decay
// CHECK:      %2 = lip.linear: factor = 2, lipschitz = 2, rms = 2
// CHECK-NEXT: %3 = lip.relu: factor = 1, lipschitz = 2, rms = 2
// CHECK-NEXT: %4 = lip.linear: factor = 3, lipschitz = 6, rms = 6, not certified: parameter 'mlp.out': method 'weight_decay' guarantees no norm
// CHECK-NEXT: result: lipschitz = 6, rms = 6, not certified: parameter 'mlp.out': method 'weight_decay' guarantees no norm
func.func @mlp_weight_decay(%x: tensor<?x784xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<?x10xf32> {
  %w0 = lip.param "mlp.in" <exact_cap, w_max = 2.0, norm = rms_to_rms> : tensor<256x784xf32>
  %w1 = lip.param "mlp.out" <weight_decay, w_max = 3.0, norm = rms_to_rms> : tensor<10x256xf32>
  %h0 = lip.linear %x, %w0 : tensor<?x784xf32>, tensor<256x784xf32> -> tensor<?x256xf32>
  %a0 = lip.relu %h0 : tensor<?x256xf32>
  %y = lip.linear %a0, %w1 : tensor<?x256xf32>, tensor<10x256xf32> -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

// An unconstrained weight has no norm at all: the bound is infinite.
// CHECK-LABEL: func @mlp_unconstrained
// CHECK: %1 = lip.linear: factor = inf, lipschitz = inf, rms = inf, not certified: parameter 'w': method 'none' leaves the weight unconstrained
func.func @mlp_unconstrained(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %w = lip.param "w" <none, w_max = 1.0, norm = rms_to_rms> : tensor<16x16xf32>
  %y = lip.linear %x, %w : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Asking the analysis itself about a declaration is an error.
// expected-error @+1 {{cannot bound an external function (no body)}}
func.func private @declaration(tensor<8xf32>) -> tensor<8xf32>
