//===- LipOps.td - Ops of the lip dialect -------------------*- tablegen -*-===//
//
// The forward-pass ops. Shapes follow one convention (Rationale.md, "Norms"):
// rank 1 is one token, rank 2 is [batch, features], rank 3 is
// [batch, tokens, features] and rank 4 is [batch, tokens, heads, head_dim];
// a value's norm is the largest RMS of one token's features.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_OPS_TD
#define LIP_OPS_TD

include "lip/Dialect/Lip/LipDialect.td"
include "lip/Dialect/Lip/LipAttrs.td"
include "lip/Dialect/Lip/LipInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Lip_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Lip_IndexTensor : RankedTensorOf<[AnySignlessInteger]>;

class Lip_RuleOp<string mnemonic, list<Trait> traits = []>
    : Lip_Op<mnemonic, !listconcat(traits,
        [DeclareOpInterfaceMethods<LipschitzBoundOpInterface>])>;

// A forward op with a Lipschitz rule and a vector-Jacobian product.
class Lip_LayerOp<string mnemonic, list<Trait> traits = []>
    : Lip_RuleOp<mnemonic, !listconcat(traits,
        [DeclareOpInterfaceMethods<DifferentiableOpInterface>])>;

// The rule of an op that is 1-Lipschitz and never increases the max-token
// RMS (activations like ReLU, rotations, reshapes): both bounds pass through.
// Ops opt in explicitly with `let extraClassDefinition = Lip_NonExpansiveRule`.
defvar Lip_NonExpansiveRule = [{
  ::mlir::lip::RuleResult $cppClass::inferLipschitzBound(
      ::llvm::ArrayRef<::mlir::lip::ValueBound> operands) {
    return ::mlir::lip::nonExpansiveRule(operands);
  }
}];

class Lip_ElementwiseOp<string mnemonic, list<Trait> traits = []>
    : Lip_LayerOp<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let arguments = (ins Lip_FloatTensor:$input);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def Lip_ParamOp : Lip_RuleOp<"param"> {
  let summary = "A trainable weight and the constraint that bounds it";
  let description = [{
    Declares a parameter by name. Its constraint says which projection the
    training step applies after every update and which norm it bounds; the
    bound analysis takes the parameter's norm from it. Linear weights are
    `[fan_out, fan_in]` with norm `rms_to_rms`; embedding tables are
    `[vocab, width]` with norm `l1_to_rms`. The op has no side effects but is
    not `Pure`: an unused parameter is still part of the model. With
    `zero_init` training starts it at zero (the paper's recipe for the last
    layer of each residual branch and the head), else (semi-)orthogonal at
    its cap, embedding rows at RMS 1.

    Example:
    ```mlir
    %w = lip.param "mlp.in" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<256x784xf32>
    %h = lip.param "head" <soft_cap, w_max = 1.0, norm = rms_to_rms> zero_init : tensor<65x256xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, Lip_ConstraintAttr:$constraint, UnitAttr:$zero_init);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$name $constraint (`zero_init` $zero_init^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Layers with weights
//===----------------------------------------------------------------------===//

def Lip_LinearOp : Lip_LayerOp<"linear", [Pure]> {
  let summary = "y = x W^T over the last dimension, no bias";
  let description = [{
    `weight` is `[fan_out, fan_in]`; the last dimension of `input` is
    `fan_in` and becomes `fan_out`. Rule: factor `n(W)`, the RMS->RMS norm the
    weight's constraint guarantees; RMS bound times `n(W)`.

    Example:
    ```mlir
    %y = lip.linear %x, %w : tensor<?x784xf32>, tensor<256x784xf32> -> tensor<?x256xf32>
    ```
  }];
  let arguments = (ins Lip_FloatTensor:$input, Lip_FloatTensor:$weight);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Lip_EmbeddingOp : Lip_LayerOp<"embedding", [Pure]> {
  let summary = "Looks up one row of the table per token id";
  let description = [{
    `table` is `[vocab, width]`; the result has the shape of `ids` plus
    `width`. The certified bound is measured from the one-hot input (l1 per
    token), so the factor is the largest RMS of a row, which the `l1_to_rms`
    constraint bounds; the RMS bound is the same number.

    Example:
    ```mlir
    %x = lip.embedding %ids, %table : tensor<?x256xi32>, tensor<65x256xf32> -> tensor<?x256x256xf32>
    ```
  }];
  let arguments = (ins Lip_IndexTensor:$ids, Lip_FloatTensor:$table);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Lip_PositionsOp : Lip_LayerOp<"positions", [Pure, SameOperandsAndResultType]> {
  let summary = "The position of every token id along the sequence";
  let description = [{
    Each element of the result is its index along the last dimension of
    `ids` (`[batch, tokens]` gives `0 .. tokens-1` in every row). It does
    not depend on the token ids' values, so its Lipschitz bound is 0, and an
    embedding of it (learned positional embeddings) adds nothing to the
    certified bound: only its RMS counts, where the result is used.

    Example:
    ```mlir
    %p = lip.positions %ids : tensor<?x256xi32>
    %e = lip.embedding %p, %table : tensor<?x256xi32>, tensor<256x64xf32> -> tensor<?x256x64xf32>
    ```
  }];
  let arguments = (ins Lip_IndexTensor:$ids);
  let results = (outs Lip_IndexTensor:$result);
  let assemblyFormat = "$ids attr-dict `:` type($ids)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Lip_ReluOp : Lip_ElementwiseOp<"relu"> {
  let extraClassDefinition = Lip_NonExpansiveRule;
  let summary = "max(x, 0), elementwise";
  let description = [{
    1-Lipschitz; `|relu(x)| <= |x|` keeps the RMS bound.

    Example: `%y = lip.relu %x : tensor<?x256xf32>`
  }];
}

def Lip_AbsOp : Lip_ElementwiseOp<"abs"> {
  let extraClassDefinition = Lip_NonExpansiveRule;
  let summary = "|x|, elementwise";
  let description = [{
    1-Lipschitz and norm-preserving.

    Example: `%y = lip.abs %x : tensor<?x256xf32>`
  }];
}

def Lip_MaxMinOp : Lip_ElementwiseOp<"maxmin"> {
  let extraClassDefinition = Lip_NonExpansiveRule;
  let summary = "GroupSort with groups of two along the last dimension";
  let description = [{
    Each pair `(x[2i], x[2i+1])` becomes `(max, min)`. A permutation of every
    pair, so 1-Lipschitz and norm-preserving. The last dimension must be even
    and static.

    Example: `%y = lip.maxmin %x : tensor<?x256xf32>`
  }];
  let hasVerifier = 1;
}

def Lip_GeluOp : Lip_LayerOp<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "scale * gelu(x), exact (erf) or tanh approximation";
  let description = [{
    The paper divides GELU by 1.1289, the maximum of its derivative, to make
    it 1-Lipschitz: write `scale 0.88582...`. Rule: factor
    `|scale| * max|gelu'|` (1.1289042 for erf, 1.1289931 for tanh, rounded up;
    see Rationale.md), RMS bound times `|scale|` because `|gelu(x)| <= |x|`.

    Example: `%y = lip.gelu %x tanh scale 0.88582 : tensor<?x1024xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$input, UnitAttr:$tanh, F64Attr:$scale);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input (`tanh` $tanh^)? `scale` $scale attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Arithmetic and residuals
//===----------------------------------------------------------------------===//

def Lip_AddOp : Lip_LayerOp<"add", [Pure, SameOperandsAndResultType, Commutative]> {
  let summary = "Elementwise sum";
  let description = [{
    Lipschitz constants and RMS bounds add.

    Example: `%z = lip.add %x, %y : tensor<?x256xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$lhs, Lip_FloatTensor:$rhs);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Lip_ScaleOp : Lip_LayerOp<"scale", [Pure, SameOperandsAndResultType]> {
  let summary = "Multiplication by a constant";
  let description = [{
    Factor `|factor|` for both bounds.

    Example: `%y = lip.scale %x by 0.5 : tensor<?x256xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$input, F64Attr:$factor);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input `by` $factor attr-dict `:` type($input)";
}

def Lip_ResidualOp : Lip_LayerOp<"residual", [Pure, SameOperandsAndResultType]> {
  let summary = "Convex residual (1 - alpha) * x + alpha * f(x)";
  let description = [{
    `branch` is `f(x)`, computed from `input`. With `0 <= alpha <= 1` this is
    the paper's convex combination: the Lipschitz bound is
    `(1 - alpha) K_x + alpha K_f`, so the layer's factor is
    `(1 - alpha) + alpha * factor(f)`.

    Example: `%y = lip.residual %x, %fx alpha 0.16666666666666666 : tensor<?x256x256xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$input, Lip_FloatTensor:$branch, F64Attr:$alpha);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input `,` $branch `alpha` $alpha attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Lip_AttentionOp : Lip_LayerOp<"attention", [Pure,
    AllTypesMatch<["query", "key", "value", "result"]>]> {
  let summary = "Multi-head (causal) softmax attention with 1/d_head scores";
  let description = [{
    Operands are `[batch, tokens, heads, head_dim]`. Per head,
    `scores = logit_scale * q k^T / head_dim` (1/d, not 1/sqrt(d)), optionally
    causally masked, softmax over keys, and the weighted sum of values is
    multiplied by `output_factor` (the paper uses 1/3).

    Attention is Lipschitz only on bounded inputs, so the rule uses the RMS
    bounds of q, k and v. With `s = |logit_scale|`, `H` heads,
    `B = s H a_q a_k` and `c = sqrt(min(H, exp(2B)))`:
    `K = |output_factor| (c K_v + s H a_v (a_k K_q + a_q K_k))` and
    `a = |output_factor| c a_v`. Derivation in Rationale.md.

    Example:
    ```mlir
    %o = lip.attention %q, %k, %v causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<?x256x4x64xf32>
    ```
  }];
  let arguments = (ins Lip_FloatTensor:$query, Lip_FloatTensor:$key,
                       Lip_FloatTensor:$value, UnitAttr:$causal,
                       F64Attr:$logit_scale, F64Attr:$output_factor);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`causal` $causal^)? `logit_scale` $logit_scale
    `output_factor` $output_factor attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

def Lip_RopeOp : Lip_LayerOp<"rope", [Pure, SameOperandsAndResultType]> {
  let extraClassDefinition = Lip_NonExpansiveRule;
  let summary = "Rotary position embedding on [batch, tokens, heads, head_dim]";
  let description = [{
    Rotates the pairs `(x[i], x[i + head_dim/2])` of token `t` by the angle
    `t * base^(-2i/head_dim)` (the standard half-split form). A rotation per
    token, so an isometry: factor 1, RMS unchanged.

    Example: `%y = lip.rope %q base 10000.0 : tensor<?x256x4x64xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$input, F64Attr:$base);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input `base` $base attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reshapes and pooling
//===----------------------------------------------------------------------===//

def Lip_SplitHeadsOp : Lip_LayerOp<"split_heads", [Pure]> {
  let extraClassDefinition = Lip_NonExpansiveRule;
  let summary = "[batch, tokens, heads * d] -> [batch, tokens, heads, d]";
  let description = [{
    A reshape of each token's features: the token's RMS is unchanged, so
    factor 1.

    Example: `%h = lip.split_heads %x : tensor<?x256x256xf32> -> tensor<?x256x4x64xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$input);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Lip_MergeHeadsOp : Lip_LayerOp<"merge_heads", [Pure]> {
  let extraClassDefinition = Lip_NonExpansiveRule;
  let summary = "[batch, tokens, heads, d] -> [batch, tokens, heads * d]";
  let description = [{
    The inverse of `lip.split_heads`; factor 1.

    Example: `%x = lip.merge_heads %h : tensor<?x256x4x64xf32> -> tensor<?x256x256xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$input);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Lip_ConcatOp : Lip_LayerOp<"concat", [Pure]> {
  let summary = "Concatenates each token's features";
  let description = [{
    `[..., w_1], ..., [..., w_n] -> [..., w_1 + ... + w_n]`: the inputs share
    every dimension but the last. A token's squared l2 norm is the sum of its
    parts', so with `W = sum w_i` the bounds are
    `K = sqrt(sum w_i K_i^2 / W)` and `a = sqrt(sum w_i a_i^2 / W)`: the root
    mean square of the parts' bounds, weighted by width. Heads computed by
    separate layers and concatenated cost the mean of their bounds, where
    heads split from one layer may each carry a whole token (Rationale.md,
    "Separate heads").

    Example: `%y = lip.concat %a, %b : tensor<?x256x64xf32>, tensor<?x256x64xf32> -> tensor<?x256x128xf32>`
  }];
  let arguments = (ins Variadic<Lip_FloatTensor>:$inputs);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
  let hasVerifier = 1;
}

def Lip_FlattenOp : Lip_LayerOp<"flatten", [Pure]> {
  let extraClassDefinition = Lip_NonExpansiveRule;
  let summary = "Merges every dimension after the batch into one";
  let description = [{
    `[batch, d1, ..., dn] -> [batch, d1 * ... * dn]`. The result's RMS is the
    root mean square of the input tokens' RMS, never more than the largest,
    so factor 1 (exactly norm-preserving for rank-2 and rank-4 inputs).

    Example: `%y = lip.flatten %img : tensor<?x28x28xf32> -> tensor<?x784xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$input);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Lip_MeanPoolOp : Lip_LayerOp<"mean_pool", [Pure]> {
  let extraClassDefinition = Lip_NonExpansiveRule;
  let summary = "Mean over the tokens: [batch, tokens, d] -> [batch, d]";
  let description = [{
    The mean of vectors is no longer than the longest, so factor 1.

    Example: `%y = lip.mean_pool %x : tensor<?x256x64xf32> -> tensor<?x64xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$input);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Loss
//===----------------------------------------------------------------------===//

def Lip_CrossEntropyOp : Lip_LayerOp<"cross_entropy", [Pure]> {
  let summary = "Mean softmax cross-entropy of logits against integer targets";
  let description = [{
    `logits` are `[..., classes]`, `targets` the leading shape. The gradient
    of one token's loss, `softmax(z) - onehot(y)`, has l2 norm at most
    sqrt(2), so w.r.t. the max-token RMS of the logits the mean loss has
    factor `sqrt(2 * classes)`. Targets are labels, not perturbed inputs.

    Example:
    ```mlir
    %l = lip.cross_entropy %logits, %y : tensor<?x256x65xf32>, tensor<?x256xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Lip_FloatTensor:$logits, Lip_IndexTensor:$targets);
  let results = (outs 0DTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $logits `,` $targets attr-dict `:` type($logits) `,` type($targets) `->` type($result)
  }];
  let hasVerifier = 1;
}

include "lip/Dialect/Lip/LipGradOps.td"

#endif // LIP_OPS_TD
