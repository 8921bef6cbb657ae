//===- LipOptOps.td - Optimizer and weight-constraint ops ---*- tablegen -*-===//
//
// The `lipopt` dialect: the update half of a training step. Optimizer ops
// (momentum, Newton-Schulz, Adam, the learning-rate schedule, applying an
// update) and the weight projections that enforce each constraint method,
// plus fused update+projection ops made by -lipopt-fuse-projection.
// Weights are `[fan_out, fan_in]`; every projection works on the normalized
// X = W / (sqrt(fan_out/fan_in) w_max), where the constraint reads
// sigma_max(X) <= 1, and honours w_max for every method (pitfall P1).
// Formulas and constants: dialects/lipopt/Rationale.md.
//
//===----------------------------------------------------------------------===//

#ifndef LIPOPT_OPS_TD
#define LIPOPT_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def LipOpt_Dialect : Dialect {
  let name = "lipopt";
  let cppNamespace = "::mlir::lipopt";
  let summary = "Optimizer updates and weight-constraint projections";
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class LipOpt_Op<string mnemonic, list<Trait> traits = []>
    : Op<LipOpt_Dialect, mnemonic, !listconcat(traits, [Pure])>;

def LipOpt_Matrix : 2DTensorOf<[AnyFloat]>;
def LipOpt_Vector : 1DTensorOf<[AnyFloat]>;
def LipOpt_Scalar : 0DTensorOf<[AnyFloat]>;

def LipOpt_NewtonSchulzSet : I32EnumAttr<"NewtonSchulzSet",
    "Newton-Schulz coefficient sets (algorithms.md 4.1)", [
  I32EnumAttrCase<"keller5", 0>,    // (3.4445, -4.7750, 2.0315) x 5
  I32EnumAttrCase<"jiacheng6", 1>,  // the six-step set, output sigma <= 1
  I32EnumAttrCase<"nanogpt5", 2>,   // the NanoGPT five-step set
  I32EnumAttrCase<"custom", 3>      // (a, b, c) triples given in `custom`
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::lipopt";
}
def LipOpt_NewtonSchulzSetAttr : EnumAttr<LipOpt_Dialect, LipOpt_NewtonSchulzSet, "ns_set"> {
  let assemblyFormat = "`<` $value `>`";
}

def LipOpt_Schedule : I32EnumAttr<"Schedule", "learning-rate schedules", [
  I32EnumAttrCase<"constant", 0>,
  I32EnumAttrCase<"linear", 1>,    // (steps - s) / steps
  I32EnumAttrCase<"cosine", 2>,    // (1 + cos(pi s / steps)) / 2
  I32EnumAttrCase<"cooldown", 3>   // constant, then linear to `floor` over the last `fraction`
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::lipopt";
}
def LipOpt_ScheduleAttr : EnumAttr<LipOpt_Dialect, LipOpt_Schedule, "schedule"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Optimizer
//===----------------------------------------------------------------------===//

def LipOpt_LearningRateOp : LipOpt_Op<"learning_rate", [AllTypesMatch<["step", "result"]>,
                                                       AttrSizedOperandSegments]> {
  let summary = "The learning rate at a step: base times the schedule's multiplier";
  let description = [{
    With `s` the step (0-based) and `warmup` steps of linear warm-up first.
    Two optional run-time operands override the compiled settings (a model
    binary's `train --lr` and `--horizon`): `scale` multiplies the rate, and
    `horizon` replaces `steps` as the schedule's length (it must exceed
    `warmup`; the runtime checks it).
    Example: `%lr = lipopt.learning_rate %step schedule<linear> base 0.1 steps 2000 warmup 0 : tensor<f64>`
    or `... warmup 0 scale %s : tensor<f64> horizon %h : tensor<f64> : tensor<f64>`
  }];
  let arguments = (ins LipOpt_Scalar:$step, Optional<LipOpt_Scalar>:$scale,
                       Optional<LipOpt_Scalar>:$horizon, LipOpt_ScheduleAttr:$schedule,
                       F64Attr:$base, I64Attr:$steps, I64Attr:$warmup,
                       DefaultValuedAttr<F64Attr, "0.4">:$fraction,
                       DefaultValuedAttr<F64Attr, "0.1">:$floor);
  let results = (outs LipOpt_Scalar:$result);
  let assemblyFormat = [{
    $step $schedule `base` $base `steps` $steps `warmup` $warmup
    (`scale` $scale^ `:` type($scale))? (`horizon` $horizon^ `:` type($horizon))?
    attr-dict `:` type($step)
  }];
  let builders = [
    OpBuilder<(ins "Type":$type, "Value":$step, "Schedule":$schedule, "double":$base,
                   "int64_t":$steps, "int64_t":$warmup, "double":$fraction, "double":$floor,
                   CArg<"Value", "{}">:$scale, CArg<"Value", "{}">:$horizon)>
  ];
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The schedule's learning rate at `step`, times `scale`, over `horizon`
    /// steps (shared by the folder, the reference interpreter and kernels).
    double rateAt(double step, double scale, double horizon);
    /// The same with the compiled settings (no overrides).
    double rateAt(double step) { return rateAt(step, 1.0, getSteps()); }
  }];
}

def LipOpt_MomentumOp : LipOpt_Op<"momentum", [AllTypesMatch<["buffer", "grad", "new_buffer", "update"]>]> {
  let summary = "Momentum buffer update, with optional Nesterov look-ahead";
  let description = [{
    `buf' = beta buf + (1 - beta) g`; the update is `buf'`, or with
    `nesterov` `(1 - beta) g + beta buf'`. With a `warmup` step operand, beta
    rises linearly from `beta_start` to `beta` over `warmup_steps` steps
    (the NanoGPT momentum warm-up, 0.85 -> 0.95 over 300 steps).
    Example: `%b2, %u = lipopt.momentum %b, %g beta 0.95 nesterov : tensor<256x256xf32>`
  }];
  let arguments = (ins LipOpt_Matrix:$buffer, LipOpt_Matrix:$grad, Optional<LipOpt_Scalar>:$step,
                       F64Attr:$beta, UnitAttr:$nesterov,
                       DefaultValuedAttr<F64Attr, "0.0">:$beta_start,
                       DefaultValuedAttr<I64Attr, "0">:$warmup_steps);
  let results = (outs LipOpt_Matrix:$new_buffer, LipOpt_Matrix:$update);
  let assemblyFormat = [{
    $buffer `,` $grad (`warmup` $step^ `:` type($step))? `beta` $beta (`nesterov` $nesterov^)?
    attr-dict `:` type($buffer)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// beta at `step` (the warm-up, when there is one).
    double betaAt(double step) {
      return momentumAt(getBeta().convertToDouble(), getBetaStart().convertToDouble(),
                        getWarmupSteps(), step);
    }
  }];
}

def LipOpt_NormalizeRowsOp : LipOpt_Op<"normalize_rows", [SameOperandsAndResultType]> {
  let summary = "The paper's embedding update: every row at RMS 1, scaled up by at most `inflation`";
  let description = [{
    Row `r` becomes `r / max(1 / inflation, rms(r))`: rows of RMS at least
    `1 / inflation` get RMS 1, smaller ones are multiplied by `inflation`
    (a zero row stays zero). Applied to an embedding's momentum, this is the
    update of Newhouse et al. (algorithms.md 4.2, `embed_project` with the
    max embed inflation factor, 16 for Shakespeare).
    Example: `%u = lipopt.normalize_rows %m inflation 16.0 : tensor<65x256xf32>`
  }];
  let arguments = (ins LipOpt_Matrix:$input, F64Attr:$inflation);
  let results = (outs LipOpt_Matrix:$result);
  let assemblyFormat = "$input `inflation` $inflation attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def LipOpt_NewtonSchulzOp : LipOpt_Op<"newton_schulz", [SameOperandsAndResultType]> {
  let summary = "Orthogonalization msign(M) by a Newton-Schulz iteration";
  let description = [{
    `X = M / (|M|_F + eps)`, then per step `X = a X + (b A + c A^2) X` with
    `A = X X^T` taken on the smaller side. Sets: keller5, jiacheng6,
    nanogpt5, or `custom` with `coefficients = [a1, b1, c1, a2, ...]`.
    Example: `%o = lipopt.newton_schulz %u set<jiacheng6> : tensor<256x256xf32>`
  }];
  let arguments = (ins LipOpt_Matrix:$input, LipOpt_NewtonSchulzSetAttr:$set,
                       OptionalAttr<DenseF64ArrayAttr>:$coefficients,
                       DefaultValuedAttr<F64Attr, "1e-12">:$eps);
  let results = (outs LipOpt_Matrix:$result);
  let assemblyFormat = "$input $set attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The (a, b, c) of every step.
    ::llvm::SmallVector<std::array<double, 3>> getSteps() {
      return getNewtonSchulzSteps(getSet(), getCoefficients());
    }
  }];
}

def LipOpt_AdamOp : LipOpt_Op<"adam", [AllTypesMatch<["m", "v", "grad", "new_m", "new_v", "direction"]>]> {
  let summary = "Adam moments and the bias-corrected direction";
  let description = [{
    `m' = b1 m + (1-b1) g`, `v' = b2 v + (1-b2) g^2`, direction
    `(m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps)` with `t = step + 1`.
    Example: `%m2, %v2, %d = lipopt.adam %m, %v, %g, %step beta1 0.9 beta2 0.95 eps 1.0e-8 : tensor<10x256xf32>, tensor<f64>`
  }];
  let arguments = (ins LipOpt_Matrix:$m, LipOpt_Matrix:$v, LipOpt_Matrix:$grad, LipOpt_Scalar:$step,
                       F64Attr:$beta1, F64Attr:$beta2, F64Attr:$eps);
  let results = (outs LipOpt_Matrix:$new_m, LipOpt_Matrix:$new_v, LipOpt_Matrix:$direction);
  let assemblyFormat = [{
    $m `,` $v `,` $grad `,` $step `beta1` $beta1 `beta2` $beta2 `eps` $eps attr-dict `:`
    type($m) `,` type($step)
  }];
}

def LipOpt_ApplyUpdateOp : LipOpt_Op<"apply_update", [AllTypesMatch<["weight", "update", "result"]>]> {
  let summary = "W' = W (1 - decay lr) - lr scale U";
  let description = [{
    Decoupled weight decay and the step. Muon passes
    `scale = sqrt(fan_out / fan_in)` (times the parameter's target norm).
    Example: `%w2 = lipopt.apply_update %w, %o, %lr scale 1.0 decay 0.0 : tensor<256x256xf32>, tensor<f64>`
  }];
  let arguments = (ins LipOpt_Matrix:$weight, LipOpt_Matrix:$update, LipOpt_Scalar:$lr,
                       F64Attr:$scale, F64Attr:$decay);
  let results = (outs LipOpt_Matrix:$result);
  let assemblyFormat = [{
    $weight `,` $update `,` $lr `scale` $scale `decay` $decay attr-dict `:` type($weight) `,` type($lr)
  }];
}

//===----------------------------------------------------------------------===//
// Constraint projections
//===----------------------------------------------------------------------===//

class LipOpt_CapOp<string mnemonic> : LipOpt_Op<mnemonic, [SameOperandsAndResultType]> {
  let arguments = (ins LipOpt_Matrix:$weight, F64Attr:$w_max);
  let results = (outs LipOpt_Matrix:$result);
  let assemblyFormat = "$weight `w_max` $w_max attr-dict `:` type($weight)";
  let hasVerifier = 1;
}

def LipOpt_SoftCapCouplingOp : LipOpt_Op<"soft_cap_coupling", [AllTypesMatch<["lr", "result"]>]> {
  let summary = "The soft cap's alpha for the step's worst-case singular value";
  let description = [{
    In normalized units, `k = 1 - decay lr + lr update_norm / w_max` bounds
    sigma after the step; alpha is the smallest root >= 0 of `p_alpha(k) = 1`
    (algorithms.md 3.3), or 0 when `k <= 1` (never the destructive alpha = 1,
    pitfall P6). The guarantee needs `k <= 1.3065`: lip-build-train-step
    checks the schedule's largest lr at compile time. Folds when lr is
    constant.
    Example: `%a = lipopt.soft_cap_coupling %lr w_max 1.0 update_norm 0.999335 decay 0.0 : tensor<f64>`
  }];
  let arguments = (ins LipOpt_Scalar:$lr, F64Attr:$w_max, F64Attr:$update_norm, F64Attr:$decay);
  let results = (outs LipOpt_Scalar:$result);
  let assemblyFormat = [{
    $lr `w_max` $w_max `update_norm` $update_norm `decay` $decay attr-dict `:` type($lr)
  }];
  let hasFolder = 1;
}

def LipOpt_SoftCapOp : LipOpt_Op<"soft_cap", [AllTypesMatch<["weight", "result"]>]> {
  let summary = "Spectral soft cap: X -= a X X^T X, then X += a X X^T X";
  let description = [{
    Example: `%w2 = lipopt.soft_cap %w, %alpha w_max 1.0 : tensor<256x256xf32>, tensor<f64>`
  }];
  let arguments = (ins LipOpt_Matrix:$weight, LipOpt_Scalar:$alpha, F64Attr:$w_max);
  let results = (outs LipOpt_Matrix:$result);
  let assemblyFormat = "$weight `,` $alpha `w_max` $w_max attr-dict `:` type($weight) `,` type($alpha)";
  let hasVerifier = 1;
}

def LipOpt_HardCapOp : LipOpt_CapOp<"hard_cap"> {
  let summary = "Spectral hard cap: four odd quintic steps approximating min(1, sigma)";
  let description = [{
    Valid while sigma(X) <= 3.5 before the projection (pitfall P8); overshoots
    by at most 1.0109.
    Example: `%w2 = lipopt.hard_cap %w w_max 1.0 : tensor<256x256xf32>`
  }];
}

def LipOpt_ExactCapOp : LipOpt_CapOp<"exact_cap"> {
  let summary = "Exact spectral cap U min(S, w_max) V^T";
  let description = [{
    Through the eigendecomposition of the smaller Gram matrix.
    Example: `%w2 = lipopt.exact_cap %w w_max 1.0 : tensor<256x256xf32>`
  }];
}

def LipOpt_OrthogonalizeOp : LipOpt_CapOp<"orthogonalize"> {
  let summary = "Projects onto the scaled orthogonal matrices: every sigma(X) close to 1";
  let description = [{
    The jiacheng6 Newton-Schulz iteration, whose output singular values lie in
    [0.866, 0.99933].
    Example: `%w2 = lipopt.orthogonalize %w w_max 1.0 : tensor<256x256xf32>`
  }];
}

def LipOpt_EmbedCapOp : LipOpt_CapOp<"embed_cap"> {
  let summary = "Rescales every embedding row to RMS <= w_max";
  let description = [{
    All rows, not only those a batch looked up (pitfall P13).
    Example: `%e2 = lipopt.embed_cap %e w_max 1.0 : tensor<65x256xf32>`
  }];
}

class LipOpt_PowerIterationOp<string mnemonic>
    : LipOpt_Op<mnemonic, [AllTypesMatch<["weight", "result"]>, AllTypesMatch<["vector", "new_vector"]>]> {
  let results = (outs LipOpt_Matrix:$result, LipOpt_Vector:$new_vector);
  let hasVerifier = 1;
}

def LipOpt_SpectralNormalizeOp : LipOpt_PowerIterationOp<"spectral_normalize"> {
  let summary = "Divides X by max(1, sigma_up) with a rigorous upper bound sigma_up";
  let description = [{
    `sigma_up` comes from `gram_steps` squarings of the smaller Gram matrix
    (`sigma^2 <= |G^(2^k)|_F^(1/2^k)`), so the result provably has
    sigma <= w_max. The warm-started power-iteration vector (`power_steps`
    per call, state kept across steps) tracks the top right singular vector
    for logging the estimate.
    Example: `%w2, %v2 = lipopt.spectral_normalize %w, %v w_max 1.0 power_steps 2 gram_steps 6 : tensor<256x256xf32>, tensor<256xf32>`
  }];
  let arguments = (ins LipOpt_Matrix:$weight, LipOpt_Vector:$vector, F64Attr:$w_max,
                       I64Attr:$power_steps, I64Attr:$gram_steps);
  let assemblyFormat = [{
    $weight `,` $vector `w_max` $w_max `power_steps` $power_steps `gram_steps` $gram_steps attr-dict
    `:` type($weight) `,` type($vector)
  }];
}

def LipOpt_SpectralHammerOp : LipOpt_PowerIterationOp<"spectral_hammer"> {
  let summary = "Sets the estimated top singular value to w_max: X += (1 - s) u v^T";
  let description = [{
    Not certified: only the top singular value is reset.
    Example: `%w2, %v2 = lipopt.spectral_hammer %w, %v w_max 1.0 power_steps 2 : tensor<256x256xf32>, tensor<256xf32>`
  }];
  let arguments = (ins LipOpt_Matrix:$weight, LipOpt_Vector:$vector, F64Attr:$w_max,
                       I64Attr:$power_steps);
  let assemblyFormat = [{
    $weight `,` $vector `w_max` $w_max `power_steps` $power_steps attr-dict `:` type($weight) `,` type($vector)
  }];
}

def LipOpt_SpectralWeightDecayOp : LipOpt_PowerIterationOp<"spectral_weight_decay"> {
  let summary = "Shrinks the top singular value: W -= strength s u v^T";
  let description = [{
    Not certified.
    Example: `%w2, %v2 = lipopt.spectral_weight_decay %w, %v strength 0.1 power_steps 2 : tensor<256x256xf32>, tensor<256xf32>`
  }];
  let arguments = (ins LipOpt_Matrix:$weight, LipOpt_Vector:$vector, F64Attr:$strength,
                       I64Attr:$power_steps);
  let assemblyFormat = [{
    $weight `,` $vector `strength` $strength `power_steps` $power_steps attr-dict `:` type($weight) `,` type($vector)
  }];
}

//===----------------------------------------------------------------------===//
// Fused update + projection
//===----------------------------------------------------------------------===//

def LipOpt_MuonSoftCapOp : LipOpt_Op<"muon_soft_cap",
    [AllTypesMatch<["weight", "buffer", "grad", "new_weight", "new_buffer"]>,
     AllTypesMatch<["lr", "alpha"]>]> {
  let summary = "Muon step and spectral soft cap of one weight in one op";
  let description = [{
    Made by -lipopt-fuse-projection from momentum -> newton_schulz ->
    apply_update -> soft_cap on one weight, and equal to that sequence: one
    op, so the projection stays with the update and nothing reads the
    unprojected weight. Lowered to the same sequence, whose elementwise
    passes -lip-fuse-elementwise merges (Rationale.md, "Fusion").
    Example:
    ```mlir
    %w2, %b2 = lipopt.muon_soft_cap %w, %b, %g, %lr, %alpha beta 0.95 nesterov set<jiacheng6> scale 1.0 decay 0.0 w_max 1.0 : tensor<256x256xf32>, tensor<f64>
    ```
  }];
  let arguments = (ins LipOpt_Matrix:$weight, LipOpt_Matrix:$buffer, LipOpt_Matrix:$grad,
                       LipOpt_Scalar:$lr, LipOpt_Scalar:$alpha, Optional<LipOpt_Scalar>:$step,
                       F64Attr:$beta, UnitAttr:$nesterov,
                       DefaultValuedAttr<F64Attr, "0.0">:$beta_start,
                       DefaultValuedAttr<I64Attr, "0">:$warmup_steps,
                       LipOpt_NewtonSchulzSetAttr:$set, OptionalAttr<DenseF64ArrayAttr>:$coefficients,
                       DefaultValuedAttr<F64Attr, "1e-12">:$eps, F64Attr:$scale, F64Attr:$decay,
                       F64Attr:$w_max);
  let results = (outs LipOpt_Matrix:$new_weight, LipOpt_Matrix:$new_buffer);
  let extraClassDeclaration = [{
    /// The (a, b, c) of every Newton-Schulz step.
    ::llvm::SmallVector<std::array<double, 3>> getSteps() {
      return getNewtonSchulzSteps(getSet(), getCoefficients());
    }
    /// beta at `step` (the warm-up, when there is one).
    double betaAt(double step) {
      return momentumAt(getBeta().convertToDouble(), getBetaStart().convertToDouble(),
                        getWarmupSteps(), step);
    }
  }];
  let assemblyFormat = [{
    $weight `,` $buffer `,` $grad `,` $lr `,` $alpha (`warmup` $step^ `:` type($step))? `beta` $beta
    (`nesterov` $nesterov^)? $set `scale` $scale `decay` $decay `w_max` $w_max attr-dict `:`
    type($weight) `,` type($lr)
  }];
}

def LipOpt_AllReduceOp : Op<LipOpt_Dialect, "all_reduce",
    [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Each operand's mean across the ranks of a data-parallel run";
  let description = [{
    Where a data-parallel training step splits: every rank has computed the
    loss and gradients of its shard of the batch, and each result is the
    mean of its operand over the ranks (the loss and gradients of the whole
    batch, since the shards are of equal size). Every rank receives the same
    bits, so the optimizer updates that follow keep the weights identical
    on every rank. In a single process each result equals its operand.
    Not pure: it communicates, and every rank must reach it in the same order.
    On tensors it has one result per operand; one-shot bufferization turns
    it into the form on buffers, which has no results and replaces each
    buffer by its mean in place (the gradients' own buffers: no copy).
    -lip-all-reduce-to-runtime lowers that form to calls of the runtime's
    `liprt_all_reduce_mean` (float32).
    Example:
    ```mlir
    %l, %g = lipopt.all_reduce %loss, %grad : tensor<f32>, tensor<64x32xf32>
    lipopt.all_reduce %lb, %gb : memref<f32>, memref<64x32xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyTypeOf<[AnyRankedTensor, AnyStridedMemRef]>>:$inputs);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether this is the form on buffers (in place, no results).
    bool onBuffers() { return !getInputs().empty() && ::mlir::isa<::mlir::MemRefType>(getInputs().front().getType()); }
  }];
}

#endif // LIPOPT_OPS_TD
