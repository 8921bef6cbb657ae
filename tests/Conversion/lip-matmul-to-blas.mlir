// RUN: lip-opt %s -lip-matmul-to-blas | FileCheck %s
// RUN: lip-opt %s -lip-matmul-to-blas=fast-functions=model_grad,views | FileCheck %s --check-prefix=BF16
// RUN: lip-opt %s '-lip-matmul-to-blas=fast-functions=model_grad fast-precision=tf32' | FileCheck %s --check-prefix=TF32
// RUN: not lip-opt %s -lip-matmul-to-blas=fast-precision=fp16 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not lip-opt %s -lip-matmul-to-blas=fast-precision=fp32 2>&1 | FileCheck %s --check-prefix=BAD32
// RUN: lip-opt %s -lip-matmul-to-blas=cuda=true | FileCheck %s --check-prefix=CUDA

// The GPU build's products: cuBLAS's entries, the same arguments.
// CUDA-LABEL: func.func @forms
// CUDA-COUNT-3: call @liprt_cuda_sgemm(
// CUDA-LABEL: func.func @batched
// CUDA-COUNT-3: call @liprt_cuda_sgemm_batched(

// The three matmul forms become calls with their transpose flags; operands
// are cast to the fully dynamic strided type of the one declaration.
// CHECK-LABEL: func.func @forms
// CHECK: %[[A:.*]] = memref.cast %arg0 : memref<4x8xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[B:.*]] = memref.cast %arg1 : memref<8x16xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[C:.*]] = memref.cast %arg2 : memref<4x16xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @liprt_sgemm(%[[A]], %[[B]], %[[C]], %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK-NOT: linalg.matmul
func.func @forms(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>,
                 %at: memref<8x4xf32>, %bt: memref<16x8xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.matmul_transpose_a ins(%at, %b : memref<8x4xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.matmul_transpose_b ins(%a, %bt : memref<4x8xf32>, memref<16x8xf32>) outs(%c : memref<4x16xf32>)
  return
}

// Strided views and dynamic shapes cast the same way.
// CHECK-LABEL: func.func @views
// CHECK: memref.cast %arg0 : memref<?x8xf32, strided<[16, 1], offset: ?>> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @liprt_sgemm
func.func @views(%a: memref<?x8xf32, strided<[16, 1], offset: ?>>, %b: memref<8x16xf32>,
                 %c: memref<?x16xf32>) {
  linalg.matmul ins(%a, %b : memref<?x8xf32, strided<[16, 1], offset: ?>>, memref<8x16xf32>)
                outs(%c : memref<?x16xf32>)
  return
}

// The batched forms (attention's products per head) call the batched entry.
// CHECK-LABEL: func.func @batched
// CHECK: memref.cast %arg0 : memref<6x4x8xf32> to memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>
// CHECK: call @liprt_sgemm_batched(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK: call @liprt_sgemm_batched(%{{.*}}, %{{.*}}, %{{.*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK: call @liprt_sgemm_batched(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
func.func @batched(%a: memref<6x4x8xf32>, %b: memref<6x8x5xf32>, %c: memref<6x4x5xf32>,
                   %at: memref<6x8x4xf32>, %bt: memref<6x5x8xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<6x4x8xf32>, memref<6x8x5xf32>) outs(%c : memref<6x4x5xf32>)
  linalg.batch_matmul_transpose_a ins(%at, %b : memref<6x8x4xf32>, memref<6x8x5xf32>) outs(%c : memref<6x4x5xf32>)
  linalg.batch_matmul_transpose_b ins(%a, %bt : memref<6x4x8xf32>, memref<6x5x8xf32>) outs(%c : memref<6x4x5xf32>)
  return
}

// A zero fill of the output right before the product is dropped and the
// call overwrites (accumulate 0); a fill of another value, or of another
// buffer, or not right before, stays and the call accumulates.
// CHECK-LABEL: func.func @fills
// CHECK-NOT: linalg.fill ins(%cst
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK: linalg.fill ins(%cst_0 : f32) outs(%arg2 : memref<4x16xf32>)
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK: linalg.fill ins(%cst : f32) outs(%arg3 : memref<4x16xf32>)
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK: linalg.fill ins(%cst : f32) outs(%arg2 : memref<4x16xf32>)
// CHECK: memref.store
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
func.func @fills(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>, %d: memref<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.fill ins(%one : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.fill ins(%zero : f32) outs(%d : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  memref.store %one, %c[%i, %i] : memref<4x16xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// The products of the functions named in fast-functions pass the code of
// fast-precision, bf16 = 1 (the default) or tf32 = 2 (a model's forward and
// backward pass under --precision bf16 or tf32); every other product (here
// @forms, standing for the optimizer's) passes 0, with or without the
// option. A fast-precision other than bf16 or tf32 is an error.
// BAD: error: -lip-matmul-to-blas: fast-precision must be bf16 or tf32, got 'fp16'
// BAD32: error: -lip-matmul-to-blas: fast-precision must be bf16 or tf32, got 'fp32'
// TF32-LABEL: func.func @forms
// TF32-COUNT-3: call @liprt_sgemm({{.*}}, %c0_i32{{[_0-9]*}})
// TF32-LABEL: func.func @model_grad
// TF32: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c2_i32{{[_0-9]*}})
// CHECK-LABEL: func.func @model_grad
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// BF16-LABEL: func.func @forms
// BF16-COUNT-3: call @liprt_sgemm({{.*}}, %c0_i32{{[_0-9]*}})
// BF16-LABEL: func.func @views
// BF16: call @liprt_sgemm({{.*}}, %c1_i32{{[_0-9]*}})
// BF16-LABEL: func.func @model_grad
// BF16: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}})
func.func @model_grad(%x: memref<4x8xf32>, %w: memref<16x8xf32>, %y: memref<4x16xf32>) {
  linalg.matmul_transpose_b ins(%x, %w : memref<4x8xf32>, memref<16x8xf32>) outs(%y : memref<4x16xf32>)
  return
}

// A Gram product that overwrites (one operand on both sides, zero fill
// before) calls liprt_ssyrk with its transpose; one that accumulates, or
// of two operands, stays a GEMM; on the GPU every product is cuBLAS's GEMM.
// CHECK-LABEL: func.func @gram
// CHECK: %[[X:.*]] = memref.cast %arg0 : memref<4x8xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[G:.*]] = memref.cast %arg1 : memref<4x4xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @liprt_ssyrk(%[[X]], %[[G]], %c0_i32{{[_0-9]*}})
// CHECK: call @liprt_ssyrk(%{{.*}}, %{{.*}}, %c1_i32{{[_0-9]*}})
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK: call @liprt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i32{{[_0-9]*}}, %c1_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}}, %c0_i32{{[_0-9]*}})
// CHECK-NOT: linalg
// CUDA-LABEL: func.func @gram
// CUDA-NOT: liprt_ssyrk
// CUDA-COUNT-4: call @liprt_cuda_sgemm(
// CUDA-NOT: call @liprt_sgemm
func.func @gram(%x: memref<4x8xf32>, %g: memref<4x4xf32>, %h: memref<8x8xf32>, %y: memref<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%g : memref<4x4xf32>)
  linalg.matmul_transpose_b ins(%x, %x : memref<4x8xf32>, memref<4x8xf32>) outs(%g : memref<4x4xf32>)
  linalg.fill ins(%zero : f32) outs(%h : memref<8x8xf32>)
  linalg.matmul_transpose_a ins(%x, %x : memref<4x8xf32>, memref<4x8xf32>) outs(%h : memref<8x8xf32>)
  linalg.matmul_transpose_b ins(%x, %x : memref<4x8xf32>, memref<4x8xf32>) outs(%g : memref<4x4xf32>)
  linalg.fill ins(%zero : f32) outs(%g : memref<4x4xf32>)
  linalg.matmul_transpose_b ins(%x, %y : memref<4x8xf32>, memref<4x8xf32>) outs(%g : memref<4x4xf32>)
  return
}

// Not f32, or still on tensors: left alone.
// CHECK-LABEL: func.func @kept
// CHECK: linalg.matmul ins(%arg0, %arg1 : memref<4x8xf64>, memref<8x16xf64>)
// CHECK: linalg.matmul ins(%arg3, %arg4 : tensor<4x8xf32>, tensor<8x16xf32>)
func.func @kept(%a: memref<4x8xf64>, %b: memref<8x16xf64>, %c: memref<4x16xf64>,
                %ta: tensor<4x8xf32>, %tb: tensor<8x16xf32>, %tc: tensor<4x16xf32>) -> tensor<4x16xf32> {
  linalg.matmul ins(%a, %b : memref<4x8xf64>, memref<8x16xf64>) outs(%c : memref<4x16xf64>)
  %r = linalg.matmul ins(%ta, %tb : tensor<4x8xf32>, tensor<8x16xf32>) outs(%tc : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// One declaration per entry, at the end of the module, for every call.
// CHECK-LABEL: func.func private @liprt_sgemm(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32, i32, i32, i32) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func private @liprt_sgemm_batched(memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, i32, i32, i32, i32) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func private @liprt_ssyrk(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32) attributes {llvm.emit_c_interface}
// CHECK-NOT: @liprt_sgemm(
