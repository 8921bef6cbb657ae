// RUN: lip-opt %s -split-input-file -verify-diagnostics \
// RUN:   -lip-build-train-step="from-logits=true optimizer=adamw lr=0.1 beta1=0.8 beta2=0.99 eps=1e-6 param-lr=out=0.05" \
// RUN:   | FileCheck %s
// RUN: lip-opt %s -split-input-file -verify-diagnostics \
// RUN:   -lip-build-train-step="from-logits=true lr=0.1 schedule=cooldown steps=100 cooldown-fraction=0.25 cooldown-floor=0.2" \
// RUN:   | FileCheck %s --check-prefix=COOLDOWN
// RUN: not lip-opt %s -split-input-file -lip-build-train-step="from-logits=true param-lr=out" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MALFORMED
// MALFORMED: error: param-lr entries are NAME=RATE with a positive rate (other bytes of NAME than letters, digits, '_', '.' and '-' as %XX), got 'out'
// RUN: not lip-opt %s -split-input-file -lip-build-train-step="from-logits=true param-lr=o%7=0.1" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=ESCAPE
// ESCAPE: error: param-lr entries are NAME=RATE {{.*}}, got 'o%7=0.1'
// A name's other bytes arrive as %XX: %6Fut is out.
// RUN: lip-opt %s -split-input-file -verify-diagnostics \
// RUN:   -lip-build-train-step="from-logits=true lr=0.1 param-lr=%6Fut=0.05" | FileCheck %s --check-prefix=ESCAPED
// ESCAPED: lipopt.learning_rate {{.*}} base 5.000000e-02

// from-logits: the model returning logits returns its cross-entropy
// against new labels (then trained) and @forward keeps the logits; Adam's
// betas and epsilon and a parameter's own rate are options.
// CHECK-LABEL: func.func private @model(
// CHECK-SAME: %arg1: tensor<?xi32>) -> tensor<f32>
// CHECK: lip.cross_entropy
// CHECK-LABEL: func.func @train_step(
// CHECK: lipopt.learning_rate {{.*}} base 1.000000e-01
// CHECK: lipopt.learning_rate {{.*}} base 5.000000e-02
// CHECK: lipopt.adam {{.*}} beta1 8.000000e-01 beta2 0.98999999999999999 eps 9.9999999999999995E-7
// CHECK-LABEL: func.func @forward(
// CHECK-NOT: cross_entropy
// CHECK: return %{{.*}} : tensor<?x4xf32>
// The cool-down schedule's fraction and floor reach the learning rate.
// COOLDOWN: lipopt.learning_rate {{.*}}<cooldown>{{.*}}{floor = 2.000000e-01 : f64, fraction = 2.500000e-01 : f64}
func.func @model(%x: tensor<?x8xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<?x4xf32> {
  %w = lip.param "out" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x8xf32>
  %y = lip.linear %x, %w : tensor<?x8xf32>, tensor<4x8xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{from-logits needs one public function returning logits, found 2}}
module {
  func.func @a(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    return %x : tensor<?x8xf32>
  }
  func.func @b(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    return %x : tensor<?x8xf32>
  }
}
