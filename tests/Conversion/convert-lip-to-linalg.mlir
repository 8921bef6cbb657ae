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

// A concat is one generic over the result that reads each part at a clamped
// feature index (part 1 at j - 8, kept in [0, 3]) and selects the part j
// lies in; a part of its gradient is a slice, which bufferizes to a view.
// CHECK-LABEL: func.func @concat
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : tensor<?x4x8xf32>
// CHECK: %[[SHIFT:.*]] = arith.subi %[[J]], %c8
// CHECK: %[[LOW:.*]] = arith.maxsi %[[SHIFT]], %c0
// CHECK: %[[IN:.*]] = arith.minsi %[[LOW]], %c3
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %[[IN]]] : tensor<?x4x4xf32>
// CHECK: %[[SECOND:.*]] = arith.cmpi sge, %[[J]], %c8
// CHECK: arith.select %[[SECOND]]
// CHECK: } -> tensor<?x4x12xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 8] [%{{.*}}, 4, 4] [1, 1, 1] : tensor<?x4x12xf32> to tensor<?x4x4xf32>
// CHECK-NOT: lip.
func.func @concat(%x: tensor<?x4x8xf32>, %y: tensor<?x4x4xf32>) -> (tensor<?x4x12xf32>, tensor<?x4x4xf32>) {
  %c = lip.concat %x, %y : tensor<?x4x8xf32>, tensor<?x4x4xf32> -> tensor<?x4x12xf32>
  %d = lip.concat_grad %c offset 8 : tensor<?x4x12xf32> -> tensor<?x4x4xf32>
  return %c, %d : tensor<?x4x12xf32>, tensor<?x4x4xf32>
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

// The optimizer's ops are convert-lipopt-to-linalg's: left as they are.
// CHECK-LABEL: func.func @lipopt_left
// CHECK: lipopt.soft_cap
func.func @lipopt_left(%w: tensor<8x8xf32>, %a: tensor<f64>) -> tensor<8x8xf32> {
  %c = lipopt.soft_cap %w, %a w_max 1.0 : tensor<8x8xf32>, tensor<f64>
  return %c : tensor<8x8xf32>
}
