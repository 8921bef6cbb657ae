// RUN: lip-opt %s -convert-lip-to-linalg -split-input-file -verify-diagnostics | FileCheck %s

// A linear layer on [batch, tokens, width]: rows collapsed, matmul with the
// transposed weight, rows expanded back.
// CHECK-LABEL: func.func @linear
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<?x4x8xf32> into tensor<?x8xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill
// CHECK: %[[MM:.*]] = linalg.matmul_transpose_b ins(%[[ROWS]], %{{.*}} : tensor<?x8xf32>, tensor<16x8xf32>) outs(%[[ZERO]] : tensor<?x16xf32>)
// CHECK: tensor.expand_shape %[[MM]] {{\[\[}}0, 1], [2]] output_shape [%{{.*}}, 4, 16] : tensor<?x16xf32> into tensor<?x4x16xf32>
// CHECK-NOT: lip.
func.func @linear(%w: tensor<16x8xf32>, %x: tensor<?x4x8xf32>) -> tensor<?x4x16xf32> {
  %y = lip.linear %x, %w : tensor<?x4x8xf32>, tensor<16x8xf32> -> tensor<?x4x16xf32>
  return %y : tensor<?x4x16xf32>
}

// -----

// Elementwise ops become linalg.generic with their scalar formula.
// CHECK-LABEL: func.func @elementwise
// CHECK: linalg.generic
// CHECK:   arith.maximumf
// CHECK: linalg.generic
// CHECK:   math.absf
// CHECK: linalg.generic
// CHECK:   math.tanh
// CHECK: linalg.generic
// CHECK:   arith.mulf
// CHECK: linalg.generic
// CHECK:   arith.addf
// CHECK: linalg.generic
// CHECK:   arith.mulf
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK-NOT: lip.
func.func @elementwise(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %a = lip.relu %x : tensor<2x8xf32>
  %b = lip.abs %a : tensor<2x8xf32>
  %c = lip.gelu %b tanh scale 0.88 : tensor<2x8xf32>
  %d = lip.scale %c by 2.0 : tensor<2x8xf32>
  %e = lip.add %d, %x : tensor<2x8xf32>
  %f = lip.residual %x, %e alpha 0.25 : tensor<2x8xf32>
  return %f : tensor<2x8xf32>
}

// -----

// Reshapes are tensor reshapes.
// CHECK-LABEL: func.func @reshapes
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] output_shape [%{{.*}}, 4, 2, 4] : tensor<?x4x8xf32> into tensor<?x4x2x4xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<?x4x2x4xf32> into tensor<?x4x8xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<?x4x8xf32> into tensor<?x32xf32>
func.func @reshapes(%x: tensor<?x4x8xf32>) -> tensor<?x32xf32> {
  %h = lip.split_heads %x : tensor<?x4x8xf32> -> tensor<?x4x2x4xf32>
  %m = lip.merge_heads %h : tensor<?x4x2x4xf32> -> tensor<?x4x8xf32>
  %f = lip.flatten %m : tensor<?x4x8xf32> -> tensor<?x32xf32>
  return %f : tensor<?x32xf32>
}

// -----

// Code needs weights as arguments: a model's lip.param declaration cannot be
// compiled as it is.
func.func @declared(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{parameters must be function arguments to generate code}}
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %y = lip.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Attention: scores (a contraction over head_dim), the causal mask, the
// softmax as row max, exponentials and row sums, then the weighted values.
// CHECK-LABEL: func.func @attention
// CHECK: linalg.transpose ins(%arg0 : tensor<1x4x2x4xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
// CHECK: linalg.batch_matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<2x4x4xf32>, tensor<2x4x4xf32>)
// CHECK: arith.cmpi ugt
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x4x4xf32>, tensor<2x4x4xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x2x4x4xf32>) outs(%{{.*}} : tensor<1x4x2x4xf32>) permutation = [0, 2, 1, 3]
// CHECK-NOT: lip.
func.func @attention(%q: tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32> {
  %a = lip.attention %q, %q, %q causal logit_scale 1.0 output_factor 1.0 : tensor<1x4x2x4xf32>
  return %a : tensor<1x4x2x4xf32>
}

// -----

// A backward op: the linear layer's weight gradient is one matmul.
// CHECK-LABEL: func.func @weight_grad
// CHECK: linalg.matmul_transpose_a ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<?x8xf32>) outs(%{{.*}} : tensor<16x8xf32>)
func.func @weight_grad(%dy: tensor<?x4x16xf32>, %x: tensor<?x4x8xf32>) -> tensor<16x8xf32> {
  %g = lip.linear_grad_weight %dy, %x : tensor<?x4x16xf32>, tensor<?x4x8xf32> -> tensor<16x8xf32>
  return %g : tensor<16x8xf32>
}

// -----

// The embedding's gradient is a scatter-add over the tokens (one row of the
// table per token), not a contraction over the whole vocabulary.
// CHECK-LABEL: func.func @embedding_grad
// CHECK: linalg.fill
// CHECK: scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[ID:.*]] = tensor.extract %{{.*}}[%[[N]]] : tensor<?xi32>
// CHECK: %[[ROW:.*]] = arith.index_cast %[[ID]]
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[ROW]], %[[J]]] : tensor<11x8xf32>
// CHECK-NOT: linalg.generic
func.func @embedding_grad(%ids: tensor<?x3xi32>, %dy: tensor<?x3x8xf32>) -> tensor<11x8xf32> {
  %g = lip.embedding_grad %ids, %dy : tensor<?x3xi32>, tensor<?x3x8xf32> -> tensor<11x8xf32>
  return %g : tensor<11x8xf32>
}

// -----

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
