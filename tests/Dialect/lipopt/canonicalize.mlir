// Constant learning rates and soft-cap couplings fold at compile time.
// RUN: lip-opt %s -canonicalize | FileCheck %s

// Linear decay over 2000 steps, step 500: 0.1 * 1500 / 2000 = 0.075.
// CHECK-LABEL: func.func @lr
// CHECK: %[[C:.*]] = arith.constant dense<0.0750000{{[0-9]+}}> : tensor<f64>
// CHECK: return %[[C]]
func.func @lr() -> tensor<f64> {
  %step = arith.constant dense<500.0> : tensor<f64>
  %lr = lipopt.learning_rate %step <linear> base 0.1 steps 2000 warmup 0 : tensor<f64>
  return %lr : tensor<f64>
}

// With run-time overrides that are constants: 0.1 * 0.5 * (300 - 100) / 300.
// CHECK-LABEL: func.func @lr_overrides
// CHECK: %[[C:.*]] = arith.constant dense<0.033333{{[0-9]+}}> : tensor<f64>
// CHECK: return %[[C]]
func.func @lr_overrides() -> tensor<f64> {
  %step = arith.constant dense<100.0> : tensor<f64>
  %scale = arith.constant dense<0.5> : tensor<f64>
  %horizon = arith.constant dense<300.0> : tensor<f64>
  %lr = lipopt.learning_rate %step <linear> base 0.1 steps 2000 warmup 0 scale %scale : tensor<f64> horizon %horizon : tensor<f64> : tensor<f64>
  return %lr : tensor<f64>
}

// algorithms.md 3.3: w_max = 1, update norm lr * tn = 0.0889 -> alpha = 0.15273.
// CHECK-LABEL: func.func @coupling
// CHECK: arith.constant dense<0.1527{{[0-9]+}}> : tensor<f64>
func.func @coupling() -> tensor<f64> {
  %lr = arith.constant dense<0.0889> : tensor<f64>
  %a = lipopt.soft_cap_coupling %lr w_max 1.0 update_norm 1.0 decay 0.0 : tensor<f64>
  return %a : tensor<f64>
}

// A decay larger than the step leaves no root: alpha is 0, never the
// destructive 1 of the reference code (pitfall P6).
// CHECK-LABEL: func.func @no_root
// CHECK: arith.constant dense<0.000000e+00> : tensor<f64>
func.func @no_root() -> tensor<f64> {
  %lr = arith.constant dense<0.1> : tensor<f64>
  %a = lipopt.soft_cap_coupling %lr w_max 6.0 update_norm 0.1 decay 2.0 : tensor<f64>
  return %a : tensor<f64>
}

// A step that is not constant stays a runtime computation.
// CHECK-LABEL: func.func @runtime
// CHECK: lipopt.learning_rate
func.func @runtime(%step: tensor<f64>) -> tensor<f64> {
  %lr = lipopt.learning_rate %step <cosine> base 0.1 steps 10 warmup 2 : tensor<f64>
  return %lr : tensor<f64>
}
