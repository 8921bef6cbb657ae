//===- Kernels.cpp - Reference forward kernels of the lip ops -------------===//

#include "lipnum/Kernels.h"

#include <algorithm>
#include <cmath>

namespace lipnum {

namespace {
template <typename Fn>
Tensor map(const Tensor &x, Fn fn) {
  Tensor y = x;
  for (double &v : y.data)
    v = fn(v);
  return y;
}

double geluScalar(double x, bool tanhApproximation) {
  if (tanhApproximation) {
    const double c = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
  }
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}
} // namespace

Tensor linear(const Tensor &x, const Tensor &w) {
  int64_t out = w.dim(0), in = w.dim(1);
  std::vector<int64_t> shape = x.shape;
  shape.back() = out;
  Tensor y(shape);
  int64_t rows = x.numel() / in;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double sum = 0;
      for (int64_t i = 0; i < in; ++i)
        sum += x.data[r * in + i] * w.data[o * in + i];
      y.data[r * out + o] = sum;
    }
  return y;
}

Tensor embedding(const Tensor &ids, const Tensor &table) {
  int64_t width = table.dim(1);
  std::vector<int64_t> shape = ids.shape;
  shape.push_back(width);
  Tensor y(shape);
  for (int64_t t = 0; t < ids.numel(); ++t) {
    auto id = static_cast<int64_t>(ids.data[t]);
    std::copy_n(table.data.begin() + id * width, width, y.data.begin() + t * width);
  }
  return y;
}

Tensor positions(const Tensor &ids) {
  Tensor p(ids.shape);
  int64_t length = ids.dim(-1);
  for (int64_t t = 0; t < p.numel(); ++t)
    p.data[t] = static_cast<float>(t % length);
  return p;
}

Tensor relu(const Tensor &x) {
  return map(x, [](double v) { return std::max(v, 0.0); });
}

Tensor abs(const Tensor &x) {
  return map(x, [](double v) { return std::fabs(v); });
}

Tensor maxmin(const Tensor &x) {
  Tensor y = x;
  for (int64_t i = 0; i + 1 < y.numel(); i += 2) {
    double a = x.data[i], b = x.data[i + 1];
    y.data[i] = std::max(a, b);
    y.data[i + 1] = std::min(a, b);
  }
  return y;
}

Tensor gelu(const Tensor &x, bool tanhApproximation, double scale) {
  return map(x, [&](double v) { return scale * geluScalar(v, tanhApproximation); });
}

Tensor add(const Tensor &a, const Tensor &b) {
  Tensor y = a;
  for (int64_t i = 0; i < y.numel(); ++i)
    y.data[i] += b.data[i];
  return y;
}

Tensor scale(const Tensor &x, double factor) {
  return map(x, [&](double v) { return factor * v; });
}

Tensor residual(const Tensor &x, const Tensor &fx, double alpha) {
  Tensor y = x;
  for (int64_t i = 0; i < y.numel(); ++i)
    y.data[i] = (1.0 - alpha) * x.data[i] + alpha * fx.data[i];
  return y;
}

int64_t attentionWeights(const Tensor &q, const Tensor &k, int64_t b, int64_t h, int64_t t,
                         bool causal, double logitScale, std::vector<double> &weights) {
  int64_t tokens = q.dim(1), heads = q.dim(2), hd = q.dim(3);
  auto at = [&](int64_t tok) { return ((b * tokens + tok) * heads + h) * hd; };
  int64_t keys = causal ? t + 1 : tokens;
  weights.resize(tokens);
  double maxScore = -INFINITY;
  for (int64_t u = 0; u < keys; ++u) {
    double dot = 0;
    for (int64_t i = 0; i < hd; ++i)
      dot += q.data[at(t) + i] * k.data[at(u) + i];
    weights[u] = logitScale * dot / static_cast<double>(hd);
    maxScore = std::max(maxScore, weights[u]);
  }
  double total = 0;
  for (int64_t u = 0; u < keys; ++u)
    total += weights[u] = std::exp(weights[u] - maxScore);
  for (int64_t u = 0; u < keys; ++u)
    weights[u] /= total;
  return keys;
}

Tensor attention(const Tensor &q, const Tensor &k, const Tensor &v, bool causal,
                 double logitScale, double outputFactor) {
  int64_t batch = q.dim(0), tokens = q.dim(1), heads = q.dim(2), hd = q.dim(3);
  Tensor y(q.shape);
  auto at = [&](int64_t b, int64_t t, int64_t h) {
    return ((b * tokens + t) * heads + h) * hd;
  };
  std::vector<double> weights;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t t = 0; t < tokens; ++t) {
        int64_t keys = attentionWeights(q, k, b, h, t, causal, logitScale, weights);
        for (int64_t u = 0; u < keys; ++u)
          for (int64_t i = 0; i < hd; ++i)
            y.data[at(b, t, h) + i] += outputFactor * weights[u] * v.data[at(b, u, h) + i];
      }
  return y;
}

Tensor rope(const Tensor &x, double base, bool transpose) {
  int64_t batch = x.dim(0), tokens = x.dim(1), heads = x.dim(2), hd = x.dim(3);
  int64_t half = hd / 2;
  Tensor y = x;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t h = 0; h < heads; ++h) {
        int64_t off = ((b * tokens + t) * heads + h) * hd;
        for (int64_t i = 0; i < half; ++i) {
          double theta = (transpose ? -1.0 : 1.0) * t * std::pow(base, -2.0 * i / hd);
          double x1 = x.data[off + i], x2 = x.data[off + i + half];
          y.data[off + i] = x1 * std::cos(theta) - x2 * std::sin(theta);
          y.data[off + i + half] = x1 * std::sin(theta) + x2 * std::cos(theta);
        }
      }
  return y;
}

Tensor reshape(const Tensor &x, std::vector<int64_t> shape) {
  Tensor y;
  y.shape = std::move(shape);
  y.data = x.data;
  return y;
}

Tensor concat(const std::vector<Tensor> &parts) {
  std::vector<int64_t> shape = parts.front().shape;
  shape.back() = 0;
  for (const Tensor &part : parts)
    shape.back() += part.dim(-1);
  Tensor y(shape);
  int64_t rows = y.numel() / std::max<int64_t>(shape.back(), 1), offset = 0;
  for (const Tensor &part : parts) {
    int64_t width = part.dim(-1);
    for (int64_t r = 0; r < rows; ++r)
      std::copy_n(part.data.begin() + r * width, width,
                  y.data.begin() + r * shape.back() + offset);
    offset += width;
  }
  return y;
}

Tensor sliceLast(const Tensor &x, int64_t offset, int64_t width) {
  std::vector<int64_t> shape = x.shape;
  int64_t full = shape.back();
  shape.back() = width;
  Tensor y(shape);
  int64_t rows = x.numel() / std::max<int64_t>(full, 1);
  for (int64_t r = 0; r < rows; ++r)
    std::copy_n(x.data.begin() + r * full + offset, width, y.data.begin() + r * width);
  return y;
}

Tensor meanPool(const Tensor &x) {
  int64_t batch = x.dim(0), tokens = x.dim(1), width = x.dim(2);
  Tensor y({batch, width});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t i = 0; i < width; ++i)
        y.data[b * width + i] += x.data[(b * tokens + t) * width + i] / tokens;
  return y;
}

double crossEntropy(const Tensor &logits, const Tensor &targets) {
  int64_t classes = logits.dim(-1);
  int64_t rows = targets.numel();
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const double *z = logits.data.data() + r * classes;
    double maxLogit = *std::max_element(z, z + classes);
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c)
      sum += std::exp(z[c] - maxLogit);
    auto y = static_cast<int64_t>(targets.data[r]);
    total += maxLogit + std::log(sum) - z[y];
  }
  return total / static_cast<double>(rows);
}

} // namespace lipnum
