// The runtime's collective reduces float32: another element type is an error.
// RUN: lip-opt %s -lip-all-reduce-to-runtime -verify-diagnostics

func.func @step(%g: tensor<4xf64>) -> tensor<4xf64> {
  // expected-error @+1 {{the runtime reduces float32 tensors only, got 'tensor<4xf64>'}}
  %0 = lipopt.all_reduce %g : tensor<4xf64>
  return %0 : tensor<4xf64>
}
