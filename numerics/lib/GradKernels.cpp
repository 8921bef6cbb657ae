//===- GradKernels.cpp - Reference backward kernels of the lip ops --------===//

#include "lipnum/GradKernels.h"

#include "lipnum/Kernels.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lipnum {

Tensor linearGradInput(const Tensor &dy, const Tensor &w) {
  int64_t out = w.dim(0), in = w.dim(1);
  std::vector<int64_t> shape = dy.shape;
  shape.back() = in;
  Tensor dx(shape);
  int64_t rows = dy.numel() / out;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i)
        dx.data[r * in + i] += dy.data[r * out + o] * w.data[o * in + i];
  return dx;
}

Tensor linearGradWeight(const Tensor &dy, const Tensor &x) {
  int64_t out = dy.dim(-1), in = x.dim(-1);
  Tensor dw({out, in});
  int64_t rows = dy.numel() / out;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i)
        dw.data[o * in + i] += dy.data[r * out + o] * x.data[r * in + i];
  return dw;
}

Tensor embeddingGrad(const Tensor &ids, const Tensor &dy, int64_t vocab) {
  int64_t width = dy.dim(-1);
  Tensor de({vocab, width});
  for (int64_t t = 0; t < ids.numel(); ++t) {
    auto id = static_cast<int64_t>(ids.data[t]);
    for (int64_t i = 0; i < width; ++i)
      de.data[id * width + i] += dy.data[t * width + i];
  }
  return de;
}

Tensor reluGrad(const Tensor &x, const Tensor &dy) {
  Tensor dx = dy;
  for (int64_t i = 0; i < dx.numel(); ++i)
    if (!(x.data[i] > 0))
      dx.data[i] = 0;
  return dx;
}

Tensor absGrad(const Tensor &x, const Tensor &dy) {
  Tensor dx = dy;
  for (int64_t i = 0; i < dx.numel(); ++i)
    dx.data[i] *= x.data[i] > 0 ? 1.0 : x.data[i] < 0 ? -1.0 : 0.0;
  return dx;
}

Tensor maxminGrad(const Tensor &x, const Tensor &dy) {
  Tensor dx = dy;
  for (int64_t i = 0; i + 1 < dx.numel(); i += 2)
    if (x.data[i] < x.data[i + 1])
      std::swap(dx.data[i], dx.data[i + 1]);
  return dx;
}

Tensor geluGrad(const Tensor &x, const Tensor &dy, bool tanhApproximation, double scale) {
  Tensor dx = dy;
  for (int64_t i = 0; i < dx.numel(); ++i) {
    double v = x.data[i], slope;
    if (tanhApproximation) {
      const double c = std::sqrt(2.0 / M_PI);
      double t = std::tanh(c * (v + 0.044715 * v * v * v));
      slope = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v);
    } else {
      slope = 0.5 * (1 + std::erf(v / std::sqrt(2.0))) +
              v * std::exp(-0.5 * v * v) / std::sqrt(2 * M_PI);
    }
    dx.data[i] *= scale * slope;
  }
  return dx;
}

std::array<Tensor, 3> attentionGrad(const Tensor &q, const Tensor &k, const Tensor &v,
                                    const Tensor &dy, bool causal, double logitScale,
                                    double outputFactor) {
  int64_t batch = q.dim(0), tokens = q.dim(1), heads = q.dim(2), hd = q.dim(3);
  Tensor dq(q.shape), dk(q.shape), dv(q.shape);
  auto at = [&](int64_t b, int64_t t, int64_t h) { return ((b * tokens + t) * heads + h) * hd; };
  double c = logitScale / static_cast<double>(hd);
  std::vector<double> p, dp(tokens);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t t = 0; t < tokens; ++t) {
        // Recompute this query's attention weights.
        int64_t keys = attentionWeights(q, k, b, h, t, causal, logitScale, p);
        // dv and dP, then the softmax's backward: dS = P (dP - <P, dP>).
        double weighted = 0;
        for (int64_t u = 0; u < keys; ++u) {
          double dot = 0;
          for (int64_t i = 0; i < hd; ++i) {
            dv.data[at(b, u, h) + i] += outputFactor * p[u] * dy.data[at(b, t, h) + i];
            dot += dy.data[at(b, t, h) + i] * v.data[at(b, u, h) + i];
          }
          dp[u] = outputFactor * dot;
          weighted += p[u] * dp[u];
        }
        for (int64_t u = 0; u < keys; ++u) {
          double ds = p[u] * (dp[u] - weighted);
          for (int64_t i = 0; i < hd; ++i) {
            dq.data[at(b, t, h) + i] += c * ds * k.data[at(b, u, h) + i];
            dk.data[at(b, u, h) + i] += c * ds * q.data[at(b, t, h) + i];
          }
        }
      }
  return {dq, dk, dv};
}

Tensor ropeGrad(const Tensor &dy, double base) { return rope(dy, base, /*transpose=*/true); }

Tensor meanPoolGrad(const Tensor &dy, int64_t tokens) {
  int64_t batch = dy.dim(0), width = dy.dim(1);
  Tensor dx({batch, tokens, width});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t i = 0; i < width; ++i)
        dx.data[(b * tokens + t) * width + i] = dy.data[b * width + i] / tokens;
  return dx;
}

Tensor crossEntropyGrad(const Tensor &logits, const Tensor &targets, double lossGrad) {
  int64_t classes = logits.dim(-1), rows = targets.numel();
  Tensor dz = logits;
  for (int64_t r = 0; r < rows; ++r) {
    double *z = dz.data.data() + r * classes;
    double maxLogit = *std::max_element(z, z + classes);
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c)
      sum += z[c] = std::exp(z[c] - maxLogit);
    for (int64_t c = 0; c < classes; ++c)
      z[c] = lossGrad * (z[c] / sum - (c == static_cast<int64_t>(targets.data[r]) ? 1 : 0)) / rows;
  }
  return dz;
}

} // namespace lipnum
