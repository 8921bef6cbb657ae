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

def LipBuildTrainStep : Pass<"lip-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Build @train_step: forward, backward, optimizer update and projections";
  let description = [{
    For the function that returns a loss (the first one found), builds its
    gradient function and

    ```mlir
    func.func @train_step(params..., state..., %step: tensor<f64>, %lr_scale: tensor<f64>,
                          %horizon: tensor<f64>, inputs..., labels)
        -> (loss, new params..., new state...)
    ```

    Muon (momentum, Newton-Schulz, `sqrt(fan_out/fan_in)` scaling) updates
    the RMS->RMS matrices, AdamW with bias correction (or, with
    `embed-inflation`, the paper's normalized momentum rows) the embeddings (and all
    parameters with `optimizer=adamw`); each update is followed by the
    projection of the parameter's constraint (`lipopt.soft_cap` with its
    coupling, `lipopt.hard_cap`, ...). Warns where a guarantee lapses (soft
    cap with AdamW, lr beyond the soft cap's condition).

    With `from-logits`, the module's one public function returns logits, as
    a spec's model does: it is first copied as `@forward` and made to return
    the mean cross-entropy against a new labels argument, the loss trained.
    `lipc --emit=train-pipeline` prints the pipeline, with every option of
    the spec, that makes `--emit=train` of `--emit=lip`.
  }];
  let options = [
    Option<"fromLogits", "from-logits", "bool", "false",
           "The public function returns logits: add @forward and the cross-entropy first">,
    Option<"optimizer", "optimizer", "std::string", "\"muon\"", "muon or adamw">,
    Option<"lr", "lr", "double", "0.02", "Base learning rate">,
    Option<"embedLr", "embed-lr", "double", "0.0", "Rate of embeddings (0: lr)">,
    Option<"embedInflation", "embed-inflation", "double", "0.0",
           "With Muon, > 0: embeddings take the paper's update (momentum rows at RMS 1, "
           "scaled up by at most this factor) instead of AdamW's">,
    Option<"momentum", "momentum", "double", "0.95", "Muon momentum">,
    Option<"momentumWarmup", "momentum-warmup", "int64_t", "0",
           "Steps over which the momentum rises from momentum-start">,
    Option<"momentumStart", "momentum-start", "double", "0.85", "Momentum at step 0 of the warm-up">,
    Option<"nesterov", "nesterov", "bool", "true", "Nesterov look-ahead">,
    Option<"coefficients", "coefficients", "std::string", "\"jiacheng6\"",
           "Newton-Schulz set: jiacheng6, nanogpt5 or keller5">,
    Option<"schedule", "schedule", "std::string", "\"constant\"",
           "constant, linear, cosine or cooldown">,
    Option<"steps", "steps", "int64_t", "1000", "Total steps (for the schedule)">,
    Option<"warmup", "warmup", "int64_t", "0", "Warm-up steps">,
    Option<"weightDecay", "weight-decay", "double", "0.0", "Decoupled weight decay">,
    Option<"beta1", "beta1", "double", "0.9", "Adam's first-moment decay">,
    Option<"beta2", "beta2", "double", "0.95", "Adam's second-moment decay">,
    Option<"eps", "eps", "double", "1e-8", "Adam's epsilon">,
    Option<"cooldownFraction", "cooldown-fraction", "double", "0.4",
           "The cooldown schedule's final fraction of the steps">,
    Option<"cooldownFloor", "cooldown-floor", "double", "0.1",
           "The cooldown schedule's last rate, a fraction of lr">,
    ListOption<"paramLr", "param-lr", "std::string",
               "NAME=RATE: a parameter's own base rate instead of lr (bytes of NAME "
               "other than letters, digits, '_', '.', '-' written %XX)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::lipopt::LipOptDialect"];
}

def LipOptFuseProjection : Pass<"lipopt-fuse-projection", "::mlir::func::FuncOp"> {
  let summary = "Fuse each weight's Muon update and soft-cap projection into one op";
  let description = [{
    Rewrites the chain

    ```mlir
    %b2, %u = lipopt.momentum %b, %g beta B nesterov
    %o = lipopt.newton_schulz %u <set>
    %w2 = lipopt.apply_update %w, %o, %lr scale S decay D
    %w3 = lipopt.soft_cap %w2, %alpha w_max W
    ```

    into `%w3, %b2 = lipopt.muon_soft_cap %w, %b, %g, %lr, %alpha ...`, one op
    that keeps the projection with the update (no other op can read the
    unprojected weight). It is lowered to the same sequence, whose elementwise
    passes -lip-fuse-elementwise merges (dialects/lipopt/Rationale.md,
    "Fusion"). It does not fuse when an intermediate (the update, the
    orthogonalized update or the unprojected weight) has another use: that
    value must exist.
  }];
  let dependentDialects = ["::mlir::lipopt::LipOptDialect"];
}

#endif // LIPC_TRANSFORMS_PASSES_TD
