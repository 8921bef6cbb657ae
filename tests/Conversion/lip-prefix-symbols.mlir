// RUN: lip-opt %s -lip-prefix-symbols | FileCheck %s
// RUN: lip-opt %s -lip-prefix-symbols="prefix=dev_" | FileCheck %s --check-prefix=DEV
// RUN: not lip-opt %s -lip-prefix-symbols="prefix=" 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: error: -lip-prefix-symbols needs a non-empty prefix

// Every defined function is renamed, its calls with it; the runtime's
// declarations keep their names.
// CHECK-LABEL: func.func @gpu_train_step
// CHECK: call @gpu_train_step_part0
// CHECK: call @liprt_sgemm
// CHECK-LABEL: func.func private @gpu_train_step_part0
// CHECK-LABEL: func.func private @liprt_sgemm
// DEV-LABEL: func.func @dev_train_step
// DEV: call @dev_train_step_part0
func.func @train_step(%x: f32) -> f32 {
  %y = call @train_step_part0(%x) : (f32) -> f32
  call @liprt_sgemm() : () -> ()
  return %y : f32
}
func.func private @train_step_part0(%x: f32) -> f32 {
  return %x : f32
}
func.func private @liprt_sgemm()
