// RUN: lip-opt %s -convert-lipopt-to-linalg -split-input-file -verify-diagnostics | FileCheck %s

// The soft cap of a square weight: two polynomial steps on the normalized
// weight, each a Gram matrix and a matmul back (no square: the cap's steps
// have no A^2 term).
// CHECK-LABEL: func.func @soft_cap
// CHECK: linalg.matmul_transpose_b
// CHECK: linalg.matmul ins
// CHECK: linalg.matmul_transpose_b
// CHECK-NOT: linalg.matmul
// CHECK: linalg.matmul ins
// CHECK-NOT: linalg.matmul
// CHECK-NOT: lipopt.
func.func @soft_cap(%w: tensor<8x8xf32>, %a: tensor<f64>) -> tensor<8x8xf32> {
  %c = lipopt.soft_cap %w, %a w_max 1.0 : tensor<8x8xf32>, tensor<f64>
  return %c : tensor<8x8xf32>
}

// -----

// A wide weight (m >= 1.5 n) is capped through its Gram matrix: one 8x8 Gram,
// 8x8 products for the polynomial (the identity added by index), and a
// single product with the 8x32 weight at the end.
// CHECK-LABEL: func.func @soft_cap_wide
// CHECK: linalg.matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<8x32xf32>, tensor<8x32xf32>) outs(%{{.*}} : tensor<8x8xf32>)
// CHECK: linalg.index 0
// CHECK-COUNT-3: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8x8xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8x32xf32>)
// CHECK-NOT: linalg.matmul
func.func @soft_cap_wide(%w: tensor<8x32xf32>, %a: tensor<f64>) -> tensor<8x32xf32> {
  %c = lipopt.soft_cap %w, %a w_max 1.0 : tensor<8x32xf32>, tensor<f64>
  return %c : tensor<8x32xf32>
}

// -----

// Newton-Schulz on a wide matrix: the Gram form, three steps per Gram matrix
// (the six steps of jiacheng6 rebuild the matrix once in between).
// CHECK-LABEL: func.func @newton_schulz_wide
// CHECK-COUNT-2: linalg.matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<8x64xf32>, tensor<8x64xf32>)
// CHECK-NOT: linalg.matmul_transpose_b
func.func @newton_schulz_wide(%m: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %o = lipopt.newton_schulz %m <jiacheng6> : tensor<8x64xf32>
  return %o : tensor<8x64xf32>
}

// -----

// The exact cap (an eigendecomposition) is the runtime's liprt_exact_cap on
// the weight's buffer, into a fresh buffer that becomes the result; its cap
// is on the spectral norm: w_max sqrt(fan_out / fan_in) = 2 sqrt(8 / 2).
// CHECK-LABEL: func.func @exact_cap
// CHECK: %[[IN:.*]] = bufferization.to_memref %arg0 : memref<8x2xf32>
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<8x2xf32>
// CHECK: %[[CAP:.*]] = arith.constant 4.000000e+00 : f64
// CHECK: %[[A:.*]] = memref.cast %[[IN]] : memref<8x2xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[B:.*]] = memref.cast %[[OUT]] : memref<8x2xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @liprt_exact_cap(%[[A]], %[[B]], %[[CAP]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<8x2xf32>
// CHECK: return %[[R]]
// CHECK: func.func private @liprt_exact_cap(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, f64) attributes {llvm.emit_c_interface}
func.func @exact_cap(%w: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %c = lipopt.exact_cap %w w_max 2.0 : tensor<8x2xf32>
  return %c : tensor<8x2xf32>
}

// -----

// The runtime's exact cap is for the float32 weights of compiled steps.
func.func @exact_cap_f64(%w: tensor<4x4xf64>) -> tensor<4x4xf64> {
  // expected-error @+1 {{exact_cap is compiled for float32 weights of a static shape, not 'tensor<4x4xf64>'}}
  %c = lipopt.exact_cap %w w_max 1.0 : tensor<4x4xf64>
  return %c : tensor<4x4xf64>
}
