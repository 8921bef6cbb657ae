//===- Passes.td - lipc's passes over the lip dialect -------*- tablegen -*-===//

#ifndef LIPC_TRANSFORMS_PASSES_TD
#define LIPC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LipPropagateBounds : Pass<"lip-propagate-bounds", "::mlir::func::FuncOp"> {
  let summary = "Attach the certified Lipschitz bound of every op to the IR";
  let description = [{
    Runs the Lipschitz bound analysis and attaches its results so that they
    print with the IR: every op gets `lip.bound = #lip.bound<factor = ...,
    lipschitz = ..., rms = ...>`, and the function gets `lip.result_bound` for
    its returned value. Where a bound is not certified, the op also gets
    `lip.not_certified = "<reason>"`. The numbers are over-approximations
    (rounded upward), never estimates.

    ```mlir
    %y = lip.linear %x, %w : ...
    // becomes
    %y = lip.linear %x, %w {lip.bound = #lip.bound<factor = 2.0, lipschitz = 2.0, rms = 2.0>} : ...
    ```

    Fails, with an error at the op, if an op has no Lipschitz rule.
  }];
  let dependentDialects = ["::mlir::lip::LipDialect"];
}

def LipCheckBudget : Pass<"lip-check-budget", "::mlir::func::FuncOp"> {
  let summary = "Fail when the certified bound exceeds a Lipschitz budget";
  let description = [{
    Errors when the function's certified Lipschitz bound is above `max`, or
    when it is not certified at all. The error carries one note per op, at the
    op's location, with its factor and the bound so far, so the user sees where
    the budget went. A function with a `lip.budget` attribute is checked
    against it when `max` is not given.
  }];
  let options = [
    Option<"maxLipschitz", "max", "double", "0.0",
           "Largest acceptable certified bound (0: use the function's lip.budget)">
  ];
}

def LipDifferentiate : Pass<"lip-differentiate", "::mlir::ModuleOp"> {
  let summary = "Build the gradient function of every function that returns a loss";
  let description = [{
    Reverse-mode differentiation through DifferentiableOpInterface. For each
    function `@f` returning a scalar loss (with `append-loss`, each function
    returning logits first gets a mean cross-entropy against a new labels
    argument), adds

    ```mlir
    func.func @f_grad(%w0: tensor<..> {lip.param_name = "in", lip.constraint = #lip.constraint<..>},
                      ..., %x: ..., %labels: ..) -> (tensor<f32>, tensor<..>, ...)
    ```

    returning the loss and the gradient of every parameter, in the order of
    the lip.param ops. The forward pass is recomputed in the gradient
    function; backward ops recompute what they need from forward values.
  }];
  let options = [
    Option<"appendLoss", "append-loss", "bool", "false",
           "First make functions that return logits return their cross-entropy">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::lip::LipDialect"];
}

#endif // LIPC_TRANSFORMS_PASSES_TD
