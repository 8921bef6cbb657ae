//===- Kernels.h - Reference forward kernels of the lip ops ---------------===//
//
// One function per lip op, naive loops in double precision, exactly the
// semantics the op descriptions state. Shapes are checked by the caller (the
// interpreter validates them against the IR); kernels assume they are right.
//
//===----------------------------------------------------------------------===//

#ifndef LIPNUM_KERNELS_H
#define LIPNUM_KERNELS_H

#include "lipnum/Tensor.h"

namespace lipnum {

/// y = x W^T over the last dimension; W is [fan_out, fan_in].
Tensor linear(const Tensor &x, const Tensor &w);
/// One row of `table` ([vocab, width]) per id; ids must lie in [0, vocab).
Tensor embedding(const Tensor &ids, const Tensor &table);
/// lip.positions: each element's index along the last dimension of `ids`.
Tensor positions(const Tensor &ids);

Tensor relu(const Tensor &x);
Tensor abs(const Tensor &x);
/// Pairs (x[2i], x[2i+1]) of the last dimension become (max, min).
Tensor maxmin(const Tensor &x);
/// scale * gelu(x), erf form or tanh approximation.
Tensor gelu(const Tensor &x, bool tanhApproximation, double scale);

Tensor add(const Tensor &a, const Tensor &b);
Tensor scale(const Tensor &x, double factor);
/// (1 - alpha) x + alpha fx.
Tensor residual(const Tensor &x, const Tensor &fx, double alpha);

/// Multi-head attention on [batch, tokens, heads, head_dim]:
/// softmax(logitScale * q k^T / head_dim) v * outputFactor, per head.
Tensor attention(const Tensor &q, const Tensor &k, const Tensor &v, bool causal,
                 double logitScale, double outputFactor);
/// The softmax attention weights of query token `t` of head `h` in batch
/// `b` over its keys (token 0 to t when causal, all otherwise), written to
/// `weights`; returns the number of keys.
int64_t attentionWeights(const Tensor &q, const Tensor &k, int64_t b, int64_t h, int64_t t,
                         bool causal, double logitScale, std::vector<double> &weights);

/// Half-split rotary embedding of [batch, tokens, heads, head_dim]; with
/// `transpose`, the rotation by the opposite angles (its gradient).
Tensor rope(const Tensor &x, double base, bool transpose = false);

/// Same data, new shape (split_heads, merge_heads and flatten).
Tensor reshape(const Tensor &x, std::vector<int64_t> shape);
/// The parts side by side along the last dimension (they share the others).
Tensor concat(const std::vector<Tensor> &parts);
/// `width` features of every row of the last dimension, from `offset`.
Tensor sliceLast(const Tensor &x, int64_t offset, int64_t width);
/// Mean over dimension 1 of [batch, tokens, width].
Tensor meanPool(const Tensor &x);
/// Mean cross-entropy of logits [..., classes] against integer targets.
double crossEntropy(const Tensor &logits, const Tensor &targets);

} // namespace lipnum

#endif // LIPNUM_KERNELS_H
