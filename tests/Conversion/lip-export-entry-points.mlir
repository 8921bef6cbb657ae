// RUN: lip-opt %s -lip-export-entry-points | FileCheck %s

// A public function gets the C interface and loses its lip argument
// attributes (others stay); a returned constant becomes a fresh copy, a
// returned argument or computed value does not.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %arg0: tensor<4xf32>, %arg1: tensor<4xf32> {other.kept = 1 : i64})
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK: %[[C:.*]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK: %[[COPY:.*]] = bufferization.alloc_tensor() copy(%[[C]]) : tensor<4xf32>
// CHECK: return %[[COPY]], %arg0, %[[SUM:.*]] :
func.func @train_step(%w: tensor<4xf32> {lip.param_name = "w", lip.constraint = #lip.constraint<soft_cap, w_max = 1.0, norm = rms_to_rms>},
                      %m: tensor<4xf32> {lip.state = "momentum", other.kept = 1 : i64})
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  %sum = arith.addf %w, %m : tensor<4xf32>
  return %zero, %w, %sum : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// A private function keeps its returns and gets no C interface, but loses
// its lip argument attributes too; a declaration is left alone.
// CHECK-LABEL: func.func private @helper(%arg0: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NOT: alloc_tensor
// CHECK: return %{{.*}} : tensor<4xf32>
func.func private @helper(%x: tensor<4xf32> {lip.param_name = "h"}) -> tensor<4xf32> {
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  return %zero : tensor<4xf32>
}
// CHECK-LABEL: func.func private @liprt_sgemm(memref<?xf32>)
// CHECK-NOT: emit_c_interface
func.func private @liprt_sgemm(memref<?xf32>)
