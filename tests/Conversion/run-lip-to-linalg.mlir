// The lowered code, compiled by LLVM and run, equals the reference: a
// two-layer block with ReLU, GELU and a convex residual. Expected values
// from PyTorch in float64: [[0.7425, 0.4182], [-1.3291, 2.2812]].
// RUN: lip-opt %s -convert-lip-to-linalg | mlir-opt --one-shot-bufferize=bufferize-function-boundaries --convert-linalg-to-loops --convert-scf-to-cf --expand-strided-metadata --lower-affine --convert-math-to-libm --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so | FileCheck %s
// CHECK: {{\[\[\[}}0.74252, 0.418216],
// CHECK-NEXT: [-1.32909, 2.28125]]]

func.func @block(%w0: tensor<3x2xf32>, %w1: tensor<2x3xf32>, %x: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %h = lip.linear %x, %w0 : tensor<1x2x2xf32>, tensor<3x2xf32> -> tensor<1x2x3xf32>
  %a = lip.relu %h : tensor<1x2x3xf32>
  %g = lip.gelu %a scale 0.5 : tensor<1x2x3xf32>
  %y = lip.linear %g, %w1 : tensor<1x2x3xf32>, tensor<2x3xf32> -> tensor<1x2x2xf32>
  %r = lip.residual %x, %y alpha 0.25 : tensor<1x2x2xf32>
  return %r : tensor<1x2x2xf32>
}

func.func @main() {
  %w0 = arith.constant dense<[[1.0, -2.0], [0.5, 0.25], [-1.0, 3.0]]> : tensor<3x2xf32>
  %w1 = arith.constant dense<[[0.5, 1.0, -1.5], [2.0, 0.0, 1.0]]> : tensor<2x3xf32>
  %x = arith.constant dense<[[[1.0, 0.5], [-0.25, 2.0]]]> : tensor<1x2x2xf32>
  %y = call @block(%w0, %w1, %x) : (tensor<3x2xf32>, tensor<2x3xf32>, tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %m = bufferization.to_memref %y : memref<1x2x2xf32>
  %u = memref.cast %m : memref<1x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func private @printMemrefF32(memref<*xf32>)
