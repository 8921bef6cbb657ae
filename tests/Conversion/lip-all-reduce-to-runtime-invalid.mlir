// The runtime's collective reduces float32 buffers, after bufferization.
// RUN: lip-opt %s -split-input-file -lip-all-reduce-to-runtime -verify-diagnostics

func.func @f64(%g: memref<4xf64>) {
  // expected-error @+1 {{the runtime reduces float32 buffers only, got 'memref<4xf64>'}}
  lipopt.all_reduce %g : memref<4xf64>
  return
}

// -----

func.func @tensors(%g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{lowers on buffers: bufferize first}}
  %0 = lipopt.all_reduce %g : tensor<4xf32>
  return %0 : tensor<4xf32>
}
