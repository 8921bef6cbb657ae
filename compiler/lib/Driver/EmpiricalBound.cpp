//===- EmpiricalBound.cpp - Lipschitz ratios measured on real inputs ------===//

#include "lipc/Driver/EmpiricalBound.h"

#include "lip/Dialect/Lip/LipDialect.h"
#include "lipc/Analysis/LipschitzAnalysis.h"

#include <cmath>
#include <random>

using namespace mlir;
using lipnum::Tensor;
using lipnum::maxTokenRmsDistance;

namespace {
/// Shape of one example: the model's input type with batch 1.
std::vector<int64_t> exampleShape(func::FuncOp model) {
  auto type = cast<RankedTensorType>(model.getArgumentTypes()[0]);
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  shape[0] = 1;
  return shape;
}

/// The top right-singular vector of `j` (rows x cols, row-major), by power
/// iteration on J^T J from a fixed start.
std::vector<double> topRightSingular(const std::vector<double> &j, int64_t rows, int64_t cols) {
  std::vector<double> v(cols, 1.0 / std::sqrt(static_cast<double>(cols))), u(rows);
  for (int it = 0; it < 100; ++it) {
    for (int64_t r = 0; r < rows; ++r) {
      u[r] = 0;
      for (int64_t c = 0; c < cols; ++c)
        u[r] += j[r * cols + c] * v[c];
    }
    double norm = 0;
    for (int64_t c = 0; c < cols; ++c) {
      v[c] = 0;
      for (int64_t r = 0; r < rows; ++r)
        v[c] += j[r * cols + c] * u[r];
      norm += v[c] * v[c];
    }
    norm = std::sqrt(norm);
    if (!(norm > 0))
      break;
    for (double &x : v)
      x /= norm;
  }
  return v;
}
} // namespace

FailureOr<double> lipc::empiricalLowerBound(func::FuncOp model, const lip::ParamMap &weights,
                                            const liprt::Examples &examples,
                                            const EmpiricalSearch &options) {
  if (model.getNumArguments() != 1)
    return model.emitError("the empirical bound needs a model of one input");
  auto forward = [&](const Tensor &x) -> FailureOr<Tensor> {
    FailureOr<SmallVector<Tensor>> out = lip::interpret(model, {x}, weights);
    if (failed(out))
      return failure();
    return (*out)[0];
  };
  bool heldOut = examples.heldOutCount() > 0;
  int64_t available = heldOut ? examples.heldOutCount() : examples.trainCount();
  int64_t count = std::min(options.examples, available);
  std::vector<int64_t> shape = exampleShape(model);
  auto rmsAttr = model.getArgAttrOfType<FloatAttr>(0, lip::kRmsBoundAttrName);
  double radius = rmsAttr ? rmsAttr.getValueAsDouble() : 1.0;
  std::mt19937_64 rng(options.seed);
  std::vector<char> input(examples.inputBytes());
  std::vector<int32_t> labels(examples.labelElements());
  double best = 0;
  for (int64_t e = 0; e < count; ++e) {
    // Spread over the part: every (available / count)-th example.
    examples.fill(heldOut, e * (available / count), input.data(), labels.data());
    Tensor x(shape);
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data[i] = examples.isText() ? reinterpret_cast<const int32_t *>(input.data())[i]
                                    : reinterpret_cast<const float *>(input.data())[i];
    FailureOr<Tensor> fx = forward(x);
    if (failed(fx))
      return failure();
    if (examples.isText()) {
      // One changed token moves the one-hot input by 2 in l1.
      int64_t vocabulary = static_cast<int64_t>(examples.vocabulary().size());
      std::uniform_int_distribution<int64_t> position(0, x.numel() - 1), shift(1, vocabulary - 1);
      for (int64_t c = 0; c < options.tokenChanges && vocabulary > 1; ++c) {
        Tensor y = x;
        int64_t p = c == 0 ? x.numel() - 1 : position(rng);
        y.data[p] = static_cast<double>((static_cast<int64_t>(x.data[p]) + shift(rng)) % vocabulary);
        FailureOr<Tensor> fy = forward(y);
        if (failed(fy))
          return failure();
        best = std::max(best, maxTokenRmsDistance(*fx, *fy) / 2.0);
      }
      continue;
    }
    // Forward-difference Jacobian, then steps of several sizes along the
    // direction it stretches most, kept inside the certified input domain.
    int64_t n = x.numel(), m = fx->numel();
    std::vector<double> jacobian(m * n);
    double h = 1e-4 * radius;
    for (int64_t i = 0; i < n; ++i) {
      Tensor xi = x;
      xi.data[i] += h;
      FailureOr<Tensor> fi = forward(xi);
      if (failed(fi))
        return failure();
      for (int64_t r = 0; r < m; ++r)
        jacobian[r * n + i] = (fi->data[r] - fx->data[r]) / h;
    }
    std::vector<double> v = topRightSingular(jacobian, m, n);
    for (double size : {1e-3, 1e-2, 1e-1})
      for (double sign : {1.0, -1.0}) {
        Tensor y = x;
        for (int64_t i = 0; i < n; ++i)
          y.data[i] += sign * size * radius * v[i];
        lipnum::clampTokenRms(y, radius);
        double din = maxTokenRmsDistance(x, y);
        FailureOr<Tensor> fy = forward(y);
        if (failed(fy))
          return failure();
        if (din > 0)
          best = std::max(best, maxTokenRmsDistance(*fx, *fy) / din);
      }
  }
  return best;
}
