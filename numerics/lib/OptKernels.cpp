//===- OptKernels.cpp - Reference kernels of the lipopt ops ---------------===//
//
// Matrices are handled in "wide" form (rows <= cols, transposing when
// needed) so that every Gram matrix A = X X^T is taken on the smaller side
// (pitfall P12).
//
//===----------------------------------------------------------------------===//

#include "lipnum/OptKernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace lipnum {

namespace {
/// A dense row-major matrix, the working type of this file.
struct Mat {
  int64_t rows = 0, cols = 0;
  std::vector<double> a;
  Mat() = default;
  Mat(int64_t r, int64_t c) : rows(r), cols(c), a(r * c, 0.0) {}
  double &at(int64_t i, int64_t j) { return a[i * cols + j]; }
  double at(int64_t i, int64_t j) const { return a[i * cols + j]; }
};

Mat fromTensor(const Tensor &t) {
  Mat m(t.dim(0), t.dim(1));
  m.a = t.data;
  return m;
}

Tensor toTensor(const Mat &m) {
  Tensor t({m.rows, m.cols});
  t.data = m.a;
  return t;
}

Mat transpose(const Mat &m) {
  Mat t(m.cols, m.rows);
  for (int64_t i = 0; i < m.rows; ++i)
    for (int64_t j = 0; j < m.cols; ++j)
      t.at(j, i) = m.at(i, j);
  return t;
}

Mat matmul(const Mat &x, const Mat &y) {
  Mat z(x.rows, y.cols);
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t k = 0; k < x.cols; ++k) {
      double xik = x.at(i, k);
      for (int64_t j = 0; j < y.cols; ++j)
        z.at(i, j) += xik * y.at(k, j);
    }
  return z;
}

/// X X^T.
Mat gram(const Mat &x) { return matmul(x, transpose(x)); }

double frobenius(const Mat &m) {
  return std::sqrt(std::inner_product(m.a.begin(), m.a.end(), m.a.begin(), 0.0));
}

/// X <- a X + (b A + c A^2) X with A = X X^T, for each step, on wide X.
void polynomialSteps(Mat &x, const std::vector<PolyStep> &steps) {
  for (const PolyStep &s : steps) {
    Mat a = gram(x);
    Mat poly = a;
    Mat a2 = matmul(a, a);
    for (size_t i = 0; i < poly.a.size(); ++i)
      poly.a[i] = s[1] * a.a[i] + s[2] * a2.a[i];
    Mat px = matmul(poly, x);
    for (size_t i = 0; i < x.a.size(); ++i)
      x.a[i] = s[0] * x.a[i] + px.a[i];
  }
}

/// Runs `fn` on the wide form of `m` and returns the result in m's shape.
template <typename Fn>
Tensor onWide(const Tensor &t, double scale, Fn fn) {
  Mat x = fromTensor(t);
  bool tall = x.rows > x.cols;
  if (tall)
    x = transpose(x);
  for (double &v : x.a)
    v /= scale;
  fn(x);
  for (double &v : x.a)
    v *= scale;
  return toTensor(tall ? transpose(x) : x);
}

/// sqrt(fan_out / fan_in) w_max: W / this is the normalized X.
double normScale(const Tensor &w, double wMax) {
  return std::sqrt(static_cast<double>(w.dim(0)) / w.dim(1)) * wMax;
}

/// Warm-started power iteration on X^T X from v (length cols). Returns
/// {sigma estimate, v'}; v' is unit length.
std::pair<double, std::vector<double>> powerIteration(const Mat &x, std::vector<double> v,
                                                      int64_t steps) {
  double norm = std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0));
  if (!(norm > 0))
    v.assign(v.size(), 1.0 / std::sqrt(static_cast<double>(v.size())));
  else
    for (double &e : v)
      e /= norm;
  std::vector<double> xv(x.rows);
  auto applyX = [&] {
    for (int64_t i = 0; i < x.rows; ++i) {
      xv[i] = 0;
      for (int64_t j = 0; j < x.cols; ++j)
        xv[i] += x.at(i, j) * v[j];
    }
  };
  for (int64_t s = 0; s < steps; ++s) {
    applyX();
    std::vector<double> next(x.cols, 0.0);
    for (int64_t i = 0; i < x.rows; ++i)
      for (int64_t j = 0; j < x.cols; ++j)
        next[j] += x.at(i, j) * xv[i];
    double n = std::sqrt(std::inner_product(next.begin(), next.end(), next.begin(), 0.0));
    if (!(n > 0))
      break;
    for (int64_t j = 0; j < x.cols; ++j)
      v[j] = next[j] / n;
  }
  applyX();
  return {std::sqrt(std::inner_product(xv.begin(), xv.end(), xv.begin(), 0.0)), v};
}

/// Adds c * (X v) v^T / |X v| to X: moves the top singular value by c.
void rankOneUpdate(Mat &x, const std::vector<double> &v, double sigma, double c) {
  if (!(sigma > 0))
    return;
  for (int64_t i = 0; i < x.rows; ++i) {
    double u = 0;
    for (int64_t j = 0; j < x.cols; ++j)
      u += x.at(i, j) * v[j];
    u /= sigma;
    for (int64_t j = 0; j < x.cols; ++j)
      x.at(i, j) += c * u * v[j];
  }
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations:
/// returns eigenvalues; `vectors` receives the eigenvectors as columns.
std::vector<double> symmetricEigen(Mat a, Mat &vectors) {
  int64_t n = a.rows;
  vectors = Mat(n, n);
  for (int64_t i = 0; i < n; ++i)
    vectors.at(i, i) = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q)
        off += a.at(p, q) * a.at(p, q);
    if (off < 1e-30)
      break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        if (std::fabs(a.at(p, q)) < 1e-300)
          continue;
        double theta = (a.at(q, q) - a.at(p, p)) / (2 * a.at(p, q));
        double t = (theta >= 0 ? 1 : -1) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t k = 0; k < n; ++k) {
          double akp = a.at(k, p), akq = a.at(k, q);
          a.at(k, p) = c * akp - s * akq;
          a.at(k, q) = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {
          double apk = a.at(p, k), aqk = a.at(q, k);
          a.at(p, k) = c * apk - s * aqk;
          a.at(q, k) = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < n; ++k) {
          double vkp = vectors.at(k, p), vkq = vectors.at(k, q);
          vectors.at(k, p) = c * vkp - s * vkq;
          vectors.at(k, q) = s * vkp + c * vkq;
        }
      }
  }
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i)
    values[i] = a.at(i, i);
  return values;
}
} // namespace

std::pair<Tensor, Tensor> momentum(const Tensor &buffer, const Tensor &grad, double beta,
                                   bool nesterov) {
  Tensor next = buffer, update = buffer;
  for (int64_t i = 0; i < next.numel(); ++i) {
    next.data[i] = beta * buffer.data[i] + (1 - beta) * grad.data[i];
    update.data[i] = nesterov ? (1 - beta) * grad.data[i] + beta * next.data[i] : next.data[i];
  }
  return {next, update};
}

Tensor newtonSchulz(const Tensor &m, const std::vector<PolyStep> &steps, double eps) {
  double norm = frobenius(fromTensor(m)) + eps;
  Tensor o = onWide(m, 1.0, [&](Mat &x) {
    for (double &v : x.a)
      v /= norm;
    polynomialSteps(x, steps);
  });
  return o;
}

std::array<Tensor, 3> adam(const Tensor &m, const Tensor &v, const Tensor &grad, double step,
                           double beta1, double beta2, double eps) {
  Tensor m2 = m, v2 = v, d = m;
  double c1 = 1 - std::pow(beta1, step + 1), c2 = 1 - std::pow(beta2, step + 1);
  for (int64_t i = 0; i < m.numel(); ++i) {
    m2.data[i] = beta1 * m.data[i] + (1 - beta1) * grad.data[i];
    v2.data[i] = beta2 * v.data[i] + (1 - beta2) * grad.data[i] * grad.data[i];
    d.data[i] = (m2.data[i] / c1) / (std::sqrt(v2.data[i] / c2) + eps);
  }
  return {m2, v2, d};
}

Tensor applyUpdate(const Tensor &w, const Tensor &u, double lr, double scale, double decay) {
  Tensor r = w;
  for (int64_t i = 0; i < r.numel(); ++i)
    r.data[i] = w.data[i] * (1 - decay * lr) - lr * scale * u.data[i];
  return r;
}

Tensor softCap(const Tensor &w, double alpha, double wMax) {
  return onWide(w, normScale(w, wMax), [&](Mat &x) {
    polynomialSteps(x, {{1.0, -alpha, 0.0}, {1.0, alpha, 0.0}});
  });
}

Tensor hardCap(const Tensor &w, double wMax) {
  return onWide(w, normScale(w, wMax), [](Mat &x) { polynomialSteps(x, hardCapSteps()); });
}

Tensor exactCap(const Tensor &w, double wMax) {
  return onWide(w, normScale(w, wMax), [](Mat &x) {
    // X X^T = Q diag(s^2) Q^T; Q diag(min(1, 1/s)) Q^T X = U min(S, 1) V^T.
    Mat q;
    std::vector<double> lambda = symmetricEigen(gram(x), q);
    Mat shrink(x.rows, x.rows);
    for (int64_t i = 0; i < x.rows; ++i)
      for (int64_t j = 0; j < x.rows; ++j)
        for (int64_t k = 0; k < x.rows; ++k) {
          double f = lambda[k] > 1 ? 1 / std::sqrt(lambda[k]) : 1.0;
          shrink.at(i, j) += q.at(i, k) * f * q.at(j, k);
        }
    x = matmul(shrink, x);
  });
}

Tensor orthogonalize(const Tensor &w, double wMax) {
  Tensor o = newtonSchulz(w, newtonSchulzSet(1), 1e-12);
  double s = normScale(w, wMax);
  for (double &v : o.data)
    v *= s;
  return o;
}

Tensor embedCap(const Tensor &e, double wMax) {
  Tensor r = e;
  clampTokenRms(r, wMax);
  return r;
}

Tensor normalizeRows(const Tensor &m, double inflation) {
  Tensor r = m;
  rescaleTokens(r, [&](double rms) { return 1 / std::max(1 / inflation, rms); });
  return r;
}

double sigmaUpperBound(const Tensor &w, int64_t steps) {
  Mat x = fromTensor(w);
  if (x.rows > x.cols)
    x = transpose(x);
  // lambda_max(G)^(2^k) <= |G^(2^k)|_F; normalize every squaring and keep
  // the logarithm of the scale so nothing overflows.
  Mat g = gram(x);
  double logBound = 0, weight = 1;
  for (int64_t i = 0; i <= steps; ++i) {
    double c = frobenius(g);
    // A non-finite entry bounds nothing: NaN must not read as a norm of 0.
    if (!std::isfinite(c))
      return std::numeric_limits<double>::infinity();
    if (c == 0)
      return 0.0;
    logBound += weight * std::log(c);
    for (double &v : g.a)
      v /= c;
    if (i < steps)
      g = matmul(g, g);
    weight /= 2;
  }
  // sigma = sqrt(lambda); a relative margin covers the rounding of the
  // products above (each well under 1e-12 relative here).
  return std::sqrt(std::exp(logBound)) * (1 + 1e-9);
}

std::pair<Tensor, Tensor> spectralNormalize(const Tensor &w, const Tensor &v, double wMax,
                                            int64_t powerSteps, int64_t gramSteps) {
  double s = normScale(w, wMax);
  Tensor x = w;
  for (double &e : x.data)
    e /= s;
  double sigmaUp = sigmaUpperBound(x, gramSteps);
  Tensor r = w;
  if (sigmaUp > 1)
    for (double &e : r.data)
      e /= sigmaUp;
  auto [sigma, next] = powerIteration(fromTensor(x), v.data, powerSteps);
  Tensor state = v;
  state.data = next;
  return {r, state};
}

std::pair<Tensor, Tensor> spectralHammer(const Tensor &w, const Tensor &v, double wMax,
                                         int64_t powerSteps) {
  double s = normScale(w, wMax);
  Mat x = fromTensor(w);
  for (double &e : x.a)
    e /= s;
  auto [sigma, next] = powerIteration(x, v.data, powerSteps);
  rankOneUpdate(x, next, sigma, 1 - sigma);
  for (double &e : x.a)
    e *= s;
  Tensor state = v;
  state.data = next;
  return {toTensor(x), state};
}

std::pair<Tensor, Tensor> spectralWeightDecay(const Tensor &w, const Tensor &v, double strength,
                                              int64_t powerSteps) {
  Mat x = fromTensor(w);
  auto [sigma, next] = powerIteration(x, v.data, powerSteps);
  rankOneUpdate(x, next, sigma, -strength * sigma);
  Tensor state = v;
  state.data = next;
  return {toTensor(x), state};
}

std::pair<Tensor, Tensor> muonSoftCap(const Tensor &w, const Tensor &buffer, const Tensor &grad,
                                      double lr, double alpha, double beta, bool nesterov,
                                      const std::vector<PolyStep> &steps, double eps, double scale,
                                      double decay, double wMax) {
  int64_t n = w.numel();
  // One pass: momentum, Nesterov look-ahead and the Frobenius norm.
  Tensor next = buffer;
  Mat u(w.dim(0), w.dim(1));
  double sumSquares = 0;
  for (int64_t i = 0; i < n; ++i) {
    next.data[i] = beta * buffer.data[i] + (1 - beta) * grad.data[i];
    u.a[i] = nesterov ? (1 - beta) * grad.data[i] + beta * next.data[i] : next.data[i];
    sumSquares += u.a[i] * u.a[i];
  }
  bool tall = u.rows > u.cols;
  if (tall)
    u = transpose(u);
  double norm = std::sqrt(sumSquares) + eps;
  for (double &e : u.a)
    e /= norm;
  polynomialSteps(u, steps);
  // One pass: the step and the normalization for the cap, in wide form.
  double s = normScale(w, wMax);
  Mat x = fromTensor(w);
  if (tall)
    x = transpose(x);
  for (size_t i = 0; i < x.a.size(); ++i)
    x.a[i] = (x.a[i] * (1 - decay * lr) - lr * scale * u.a[i]) / s;
  polynomialSteps(x, {{1.0, -alpha, 0.0}, {1.0, alpha, 0.0}});
  for (double &e : x.a)
    e *= s;
  return {toTensor(tall ? transpose(x) : x), next};
}

std::vector<double> singularValues(const Tensor &w) {
  Mat x = fromTensor(w);
  if (x.rows > x.cols)
    x = transpose(x);
  Mat q;
  std::vector<double> lambda = symmetricEigen(gram(x), q);
  std::vector<double> sigma;
  for (double l : lambda)
    sigma.push_back(std::sqrt(std::max(l, 0.0)));
  std::sort(sigma.rbegin(), sigma.rend());
  return sigma;
}

} // namespace lipnum
