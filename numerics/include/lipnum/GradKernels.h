//===- GradKernels.h - Reference backward kernels of the lip ops ----------===//
//
// The gradients that the backward ops (dialects/lip LipGradOps.td) compute,
// as naive double-precision loops. Checked against finite differences of
// Kernels.h in tests/unit/GradientCheckTest.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef LIPNUM_GRADKERNELS_H
#define LIPNUM_GRADKERNELS_H

#include "lipnum/Tensor.h"

#include <array>

namespace lipnum {

/// dx = dy W for y = x W^T.
Tensor linearGradInput(const Tensor &dy, const Tensor &w);
/// dW = sum over rows of dy^T x.
Tensor linearGradWeight(const Tensor &dy, const Tensor &x);
/// Scatter-adds dy's rows into a [vocab, width] table gradient.
Tensor embeddingGrad(const Tensor &ids, const Tensor &dy, int64_t vocab);

Tensor reluGrad(const Tensor &x, const Tensor &dy);
Tensor absGrad(const Tensor &x, const Tensor &dy);
Tensor maxminGrad(const Tensor &x, const Tensor &dy);
Tensor geluGrad(const Tensor &x, const Tensor &dy, bool tanhApproximation, double scale);

/// {dq, dk, dv} of attention (Kernels.h) at (q, k, v) for output gradient dy.
std::array<Tensor, 3> attentionGrad(const Tensor &q, const Tensor &k, const Tensor &v,
                                    const Tensor &dy, bool causal, double logitScale,
                                    double outputFactor);
/// The transpose of rope: rotation by the opposite angles.
Tensor ropeGrad(const Tensor &dy, double base);
/// [batch, width] -> [batch, tokens, width], dy / tokens on every token.
Tensor meanPoolGrad(const Tensor &dy, int64_t tokens);
/// dLoss * (softmax(z) - onehot(y)) / rows.
Tensor crossEntropyGrad(const Tensor &logits, const Tensor &targets, double lossGrad);

} // namespace lipnum

#endif // LIPNUM_GRADKERNELS_H
