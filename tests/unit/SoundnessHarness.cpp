//===- SoundnessHarness.cpp - Search for the worst Lipschitz ratio --------===//

#include "SoundnessHarness.h"

#include "lip/Dialect/Lip/LipConstraints.h"
#include "lipc/Analysis/LipschitzAnalysis.h"
#include "lipnum/Kernels.h"

#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::lip;
using lipnum::Tensor;

namespace lipc::test {

namespace {
Tensor gaussian(std::vector<int64_t> shape, std::mt19937_64 &rng) {
  std::normal_distribution<double> normal;
  Tensor t(std::move(shape));
  for (double &v : t.data)
    v = normal(rng);
  return t;
}

/// Sets every token's RMS to radius * (u^(1/4) with u uniform, or 1 when
/// `onBoundary`): most mass near the boundary, where worst cases live.
void setTokenRms(Tensor &t, double radius, bool onBoundary, std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  int64_t tokens = 1;
  for (int64_t i = 0; i < lipnum::tokenDims(t.rank()); ++i)
    tokens *= t.shape[i];
  int64_t width = t.numel() / tokens;
  for (int64_t k = 0; k < tokens; ++k) {
    double sum = 0;
    for (int64_t i = 0; i < width; ++i)
      sum += t.data[k * width + i] * t.data[k * width + i];
    double rms = std::sqrt(sum / width);
    double target = radius * (onBoundary ? 1.0 : std::pow(uniform(rng), 0.25));
    for (int64_t i = 0; i < width; ++i)
      t.data[k * width + i] *= rms > 0 ? target / rms : 0.0;
  }
}

/// `count` orthonormal vectors of length `n` (modified Gram-Schmidt).
std::vector<std::vector<double>> orthonormal(int64_t n, int64_t count, std::mt19937_64 &rng) {
  std::normal_distribution<double> normal;
  std::vector<std::vector<double>> basis;
  while (static_cast<int64_t>(basis.size()) < count) {
    std::vector<double> v(n);
    for (double &x : v)
      x = normal(rng);
    for (const auto &b : basis) {
      double dot = 0;
      for (int64_t i = 0; i < n; ++i)
        dot += v[i] * b[i];
      for (int64_t i = 0; i < n; ++i)
        v[i] -= dot * b[i];
    }
    double norm = 0;
    for (double x : v)
      norm += x * x;
    norm = std::sqrt(norm);
    if (norm < 1e-8)
      continue;
    for (double &x : v)
      x /= norm;
    basis.push_back(std::move(v));
  }
  return basis;
}

struct Pair {
  double ratio;
  Tensor x, y;
};
} // namespace

Tensor lipc::test::withSingularValues(int64_t rows, int64_t cols, const std::vector<double> &sigma,
                                      std::mt19937_64 &rng) {
  int64_t k = static_cast<int64_t>(sigma.size());
  auto u = orthonormal(rows, k, rng), v = orthonormal(cols, k, rng);
  Tensor w({rows, cols});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t l = 0; l < k; ++l)
        w.data[i * cols + j] += sigma[l] * u[l][i] * v[l][j];
  return w;
}

SoundnessHarness::SoundnessHarness(const std::string &source, const std::string &funcName) {
  context.loadDialect<LipDialect, func::FuncDialect>();
  module = parseSourceString<ModuleOp>(source, &context);
  if (!module)
    return;
  for (auto f : module->getOps<func::FuncOp>())
    if (funcName.empty() || f.getName() == funcName) {
      func = f;
      break;
    }
}

SearchResult SoundnessHarness::certify() {
  SearchResult result;
  LipschitzAnalysis analysis(func);
  if (!analysis.succeeded()) {
    ADD_FAILURE() << "bound analysis failed";
    return result;
  }
  result.certified = analysis.getResultBound()->lipschitz;
  result.notCertified = analysis.getResultBound()->notCertified;
  return result;
}

ParamMap SoundnessHarness::weightsAtConstraint(std::mt19937_64 &rng) {
  ParamMap params;
  func.walk([&](ParamOp p) {
    int64_t m = p.getType().getDimSize(0), n = p.getType().getDimSize(1);
    double norm = getConstraintGuarantee(p.getConstraint()).normBound;
    Tensor w({m, n});
    if (p.getConstraint().getNorm() == NormKind::l1_to_rms) {
      w = gaussian({m, n}, rng);
      setTokenRms(w, norm, /*onBoundary=*/true, rng);
    } else {
      // Every singular value is sigma, so n(W) = sqrt(n/m) sigma = norm.
      double sigma = norm * std::sqrt(static_cast<double>(m) / n);
      w = withSingularValues(m, n, std::vector<double>(std::min(m, n), sigma), rng);
    }
    params[p.getName().str()] = std::move(w);
  });
  return params;
}

std::vector<int64_t> SoundnessHarness::concreteShape(unsigned argIndex) {
  auto type = cast<RankedTensorType>(func.getArgument(argIndex).getType());
  std::vector<int64_t> shape(type.getShape());
  for (int64_t &d : shape)
    if (ShapedType::isDynamic(d))
      d = 1;
  return shape;
}

Tensor SoundnessHarness::randomLabels(unsigned argIndex, std::mt19937_64 &rng) {
  int64_t limit = 1;
  for (Operation *user : func.getArgument(argIndex).getUsers()) {
    if (auto e = dyn_cast<EmbeddingOp>(user))
      limit = e.getTable().getType().getDimSize(0);
    if (auto ce = dyn_cast<CrossEntropyOp>(user))
      limit = ce.getLogits().getType().getShape().back();
  }
  std::uniform_int_distribution<int64_t> pick(0, limit - 1);
  Tensor t(concreteShape(argIndex));
  for (double &v : t.data)
    v = static_cast<double>(pick(rng));
  return t;
}

Tensor SoundnessHarness::output(const ParamMap &params, const std::vector<Tensor> &args) {
  auto results = interpret(func, args, params);
  if (failed(results)) {
    ADD_FAILURE() << "reference interpreter failed";
    return Tensor({}, 0.0);
  }
  return (*results)[0];
}

double SoundnessHarness::searchFloatInput(const ParamMap &params, const SearchOptions &options) {
  std::mt19937_64 rng(options.seed);
  unsigned input = 0;
  while (input < func.getNumArguments() &&
         !isa<FloatType>(
             cast<ShapedType>(func.getArgument(input).getType()).getElementType()))
    ++input;
  std::vector<Tensor> args;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    args.push_back(i == input ? Tensor(concreteShape(i)) : randomLabels(i, rng));
  auto rmsAttr = func.getArgAttrOfType<FloatAttr>(input, kRmsBoundAttrName);
  bool bounded = static_cast<bool>(rmsAttr);
  double radius = bounded ? rmsAttr.getValueAsDouble() : 2.0;
  std::vector<int64_t> shape = concreteShape(input);

  auto evalAt = [&](const Tensor &x) {
    args[input] = x;
    return output(params, args);
  };
  auto ratio = [&](const Tensor &x, const Tensor &y) {
    double din = lipnum::maxTokenRmsDistance(x, y);
    if (din == 0)
      return 0.0;
    return lipnum::maxTokenRmsDistance(evalAt(x), evalAt(y)) / din;
  };
  auto project = [&](Tensor &t) {
    if (bounded)
      lipnum::clampTokenRms(t, radius);
  };
  auto point = [&](bool boundary) {
    Tensor x = gaussian(shape, rng);
    setTokenRms(x, radius, boundary, rng);
    return x;
  };

  std::vector<Pair> pairs;
  std::bernoulli_distribution coin(0.5);
  for (int i = 0; i < options.randomPairs; ++i) {
    Tensor x = point(coin(rng)), y = point(coin(rng));
    pairs.push_back({ratio(x, y), x, y});
  }
  for (int i = 0; i < options.nearPairs; ++i) {
    Tensor x = point(coin(rng));
    Tensor d = gaussian(shape, rng);
    setTokenRms(d, 1e-4 * radius, /*onBoundary=*/true, rng);
    Tensor y = lipnum::add(x, d);
    project(y);
    pairs.push_back({ratio(x, y), x, y});
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const Pair &a, const Pair &b) { return a.ratio > b.ratio; });
  double best = pairs.front().ratio;

  // Projected ascent on (x, delta), y = x + delta, with forward-difference
  // gradients of the ratio; a step is kept only if it improves the ratio.
  int starts = std::min<int>(options.ascentStarts, pairs.size());
  for (int s = 0; s < starts; ++s) {
    Tensor x = pairs[s].x, y = pairs[s].y;
    double current = pairs[s].ratio;
    double stepX = 0.05 * radius, stepD = 0.5;
    for (int it = 0; it < options.ascentSteps && stepX > 1e-9 * radius; ++it) {
      Tensor delta = lipnum::add(y, lipnum::scale(x, -1.0));
      double deltaSize = std::max(lipnum::maxTokenRms(delta), 1e-12);
      std::vector<double> gx(x.numel()), gd(x.numel());
      for (int64_t i = 0; i < x.numel(); ++i) {
        double h = 1e-6 * radius;
        Tensor xs = x, ys = y;
        xs.data[i] += h;
        ys.data[i] += h;
        gx[i] = (ratio(xs, ys) - current) / h;
        double hd = 1e-3 * deltaSize;
        Tensor yd = y;
        yd.data[i] += hd;
        gd[i] = (ratio(x, yd) - current) / hd;
      }
      double mx = 1e-300, md = 1e-300;
      for (int64_t i = 0; i < x.numel(); ++i) {
        mx = std::max(mx, std::fabs(gx[i]));
        md = std::max(md, std::fabs(gd[i]));
      }
      Tensor nx = x, ny;
      for (int64_t i = 0; i < x.numel(); ++i)
        nx.data[i] += stepX * gx[i] / mx;
      project(nx);
      Tensor nd = delta;
      for (int64_t i = 0; i < x.numel(); ++i)
        nd.data[i] += stepD * deltaSize * gd[i] / md;
      ny = lipnum::add(nx, nd);
      project(ny);
      double candidate = ratio(nx, ny);
      if (candidate > current) {
        x = std::move(nx);
        y = std::move(ny);
        current = candidate;
        stepX *= 1.5;
        stepD = std::min(stepD * 1.5, 2.0);
      } else {
        stepX *= 0.5;
        stepD *= 0.5;
      }
    }
    best = std::max(best, current);
  }
  return best;
}

double SoundnessHarness::searchTokenInput(const ParamMap &params, const SearchOptions &options) {
  std::mt19937_64 rng(options.seed);
  std::vector<Tensor> args;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    args.push_back(randomLabels(i, rng));
  double best = 0;
  for (int i = 0; i < options.randomPairs + options.nearPairs; ++i) {
    Tensor x = randomLabels(0, rng);
    Tensor y = x;
    Tensor other = randomLabels(0, rng);
    // Change one token, or several: both move the one-hot input by 2.
    std::uniform_int_distribution<int64_t> pos(0, x.numel() - 1);
    int changes = 1 + i % 3;
    for (int c = 0; c < changes; ++c) {
      int64_t p = pos(rng);
      y.data[p] = other.data[p];
    }
    if (y.data == x.data)
      continue;
    args[0] = x;
    Tensor fx = output(params, args);
    args[0] = y;
    Tensor fy = output(params, args);
    best = std::max(best, lipnum::maxTokenRmsDistance(fx, fy) / 2.0);
  }
  return best;
}

SearchResult SoundnessHarness::run(const SearchOptions &options) {
  SearchResult result = certify();
  if (!result.notCertified.empty() || !std::isfinite(result.certified)) {
    ADD_FAILURE() << "bound is not certified: " << result.notCertified;
    return result;
  }
  std::mt19937_64 rng(options.seed * 7919 + 17);
  ParamMap params = weightsAtConstraint(rng);
  bool tokenInput = !isa<FloatType>(
      cast<ShapedType>(func.getArgument(0).getType()).getElementType());
  result.measured = tokenInput ? searchTokenInput(params, options)
                               : searchFloatInput(params, options);
  return result;
}

} // namespace lipc::test
