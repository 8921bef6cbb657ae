//===- LipGradOps.td - Backward ops of the lip dialect ------*- tablegen -*-===//
//
// The ops that reverse-mode differentiation (DifferentiableOpInterface)
// builds: each computes the gradient with respect to one forward op's
// operands, recomputing what it needs from the forward operands. They take
// part in training steps, not in certified forward graphs, so they carry no
// Lipschitz rule.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_GRAD_OPS_TD
#define LIP_GRAD_OPS_TD

class Lip_GradOp<string mnemonic, list<Trait> traits = []>
    : Lip_Op<mnemonic, !listconcat(traits, [Pure])>;

class Lip_PointwiseGradOp<string mnemonic, list<Trait> traits = []>
    : Lip_GradOp<mnemonic, !listconcat(traits,
        [AllTypesMatch<["input", "result_grad", "result"]>])> {
  let arguments = (ins Lip_FloatTensor:$input, Lip_FloatTensor:$result_grad);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input `,` $result_grad attr-dict `:` type($input)";
}

def Lip_LinearGradInputOp : Lip_GradOp<"linear_grad_input"> {
  let summary = "dx = dy W: the input gradient of lip.linear";
  let description = [{
    Example:
    `%dx = lip.linear_grad_input %dy, %w : tensor<?x256xf32>, tensor<256x784xf32> -> tensor<?x784xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$result_grad, Lip_FloatTensor:$weight);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = [{
    $result_grad `,` $weight attr-dict `:` type($result_grad) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Lip_LinearGradWeightOp : Lip_GradOp<"linear_grad_weight"> {
  let summary = "dW = sum over tokens of dy^T x: the weight gradient of lip.linear";
  let description = [{
    Example:
    `%dw = lip.linear_grad_weight %dy, %x : tensor<?x256xf32>, tensor<?x784xf32> -> tensor<256x784xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$result_grad, Lip_FloatTensor:$input);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = [{
    $result_grad `,` $input attr-dict `:` type($result_grad) `,` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Lip_EmbeddingGradOp : Lip_GradOp<"embedding_grad"> {
  let summary = "Scatter-adds each token's gradient into its row of the table";
  let description = [{
    Example:
    `%de = lip.embedding_grad %ids, %dy : tensor<?x256xi32>, tensor<?x256x256xf32> -> tensor<65x256xf32>`
  }];
  let arguments = (ins Lip_IndexTensor:$ids, Lip_FloatTensor:$result_grad);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $result_grad attr-dict `:` type($ids) `,` type($result_grad) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Lip_ReluGradOp : Lip_PointwiseGradOp<"relu_grad"> {
  let summary = "dy where x > 0, else 0";
  let description = [{ Example: `%dx = lip.relu_grad %x, %dy : tensor<?x256xf32>` }];
}

def Lip_AbsGradOp : Lip_PointwiseGradOp<"abs_grad"> {
  let summary = "dy * sign(x)";
  let description = [{ Example: `%dx = lip.abs_grad %x, %dy : tensor<?x256xf32>` }];
}

def Lip_MaxMinGradOp : Lip_PointwiseGradOp<"maxmin_grad"> {
  let summary = "Routes each pair's gradients back through the sort";
  let description = [{
    The gradient of `(max, min)` goes to the element that was the max and the
    min; ties send the max's gradient to the first element.

    Example: `%dx = lip.maxmin_grad %x, %dy : tensor<?x256xf32>`
  }];
}

def Lip_GeluGradOp : Lip_GradOp<"gelu_grad",
    [AllTypesMatch<["input", "result_grad", "result"]>]> {
  let summary = "dy * scale * gelu'(x)";
  let description = [{ Example: `%dx = lip.gelu_grad %x, %dy tanh scale 1.0 : tensor<?x1024xf32>` }];
  let arguments = (ins Lip_FloatTensor:$input, Lip_FloatTensor:$result_grad, UnitAttr:$tanh,
                       F64Attr:$scale);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $result_grad (`tanh` $tanh^)? `scale` $scale attr-dict `:` type($input)
  }];
}

def Lip_AttentionGradOp : Lip_GradOp<"attention_grad",
    [AllTypesMatch<["query", "key", "value", "result_grad", "query_grad", "key_grad",
                    "value_grad"]>]> {
  let summary = "Gradients of lip.attention with respect to q, k and v";
  let description = [{
    Recomputes the attention weights from q and k, then
    `dv = f P^T dy`, `dP = f dy v^T`, `dS = P * (dP - rowsum(dP * P))`,
    `dq = (sigma/d) dS k`, `dk = (sigma/d) dS^T q`, per head.

    Example:
    ```mlir
    %dq, %dk, %dv = lip.attention_grad %q, %k, %v, %dy causal logit_scale 1.0 output_factor 0.333 : tensor<?x256x4x64xf32>
    ```
  }];
  let arguments = (ins Lip_FloatTensor:$query, Lip_FloatTensor:$key, Lip_FloatTensor:$value,
                       Lip_FloatTensor:$result_grad, UnitAttr:$causal,
                       F64Attr:$logit_scale, F64Attr:$output_factor);
  let results = (outs Lip_FloatTensor:$query_grad, Lip_FloatTensor:$key_grad,
                      Lip_FloatTensor:$value_grad);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $result_grad (`causal` $causal^)? `logit_scale` $logit_scale
    `output_factor` $output_factor attr-dict `:` type($query)
  }];
}

def Lip_RopeGradOp : Lip_GradOp<"rope_grad", [SameOperandsAndResultType]> {
  let summary = "The transpose of lip.rope: rotation by the opposite angles";
  let description = [{ Example: `%dx = lip.rope_grad %dy base 10000.0 : tensor<?x256x4x64xf32>` }];
  let arguments = (ins Lip_FloatTensor:$result_grad, F64Attr:$base);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$result_grad `base` $base attr-dict `:` type($result_grad)";
}

def Lip_UnflattenOp : Lip_GradOp<"unflatten"> {
  let summary = "The inverse of lip.flatten: [batch, n] -> [batch, d1, ..., dk]";
  let description = [{ Example: `%dx = lip.unflatten %dy : tensor<?x784xf32> -> tensor<?x28x28xf32>` }];
  let arguments = (ins Lip_FloatTensor:$input);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Lip_MeanPoolGradOp : Lip_GradOp<"mean_pool_grad"> {
  let summary = "Spreads dy / tokens over every token: [batch, d] -> [batch, tokens, d]";
  let description = [{ Example: `%dx = lip.mean_pool_grad %dy : tensor<?x64xf32> -> tensor<?x256x64xf32>` }];
  let arguments = (ins Lip_FloatTensor:$result_grad);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$result_grad attr-dict `:` type($result_grad) `->` type($result)";
  let hasVerifier = 1;
}

def Lip_ConcatGradOp : Lip_GradOp<"concat_grad"> {
  let summary = "One input's part of a lip.concat gradient: the features from `offset`";
  let description = [{
    Example: `%da = lip.concat_grad %dy offset 64 : tensor<?x256x128xf32> -> tensor<?x256x64xf32>`
  }];
  let arguments = (ins Lip_FloatTensor:$result_grad, I64Attr:$offset);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = "$result_grad `offset` $offset attr-dict `:` type($result_grad) `->` type($result)";
  let hasVerifier = 1;
}

def Lip_CrossEntropyGradOp : Lip_GradOp<"cross_entropy_grad",
    [AllTypesMatch<["logits", "result"]>]> {
  let summary = "dl * (softmax(z) - onehot(y)) / tokens";
  let description = [{
    Example:
    `%dz = lip.cross_entropy_grad %z, %y, %dl : tensor<?x256x65xf32>, tensor<?x256xi32>, tensor<f32>`
  }];
  let arguments = (ins Lip_FloatTensor:$logits, Lip_IndexTensor:$targets,
                       0DTensorOf<[AnyFloat]>:$loss_grad);
  let results = (outs Lip_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $targets `,` $loss_grad attr-dict `:` type($logits) `,` type($targets) `,`
    type($loss_grad)
  }];
}

#endif // LIP_GRAD_OPS_TD
