//===- Evaluate.cpp - Loss and accuracy of a compiled model on held-out data //

#include "liprt/Evaluate.h"

#include "lipnum/NormBounds.h"

#include <algorithm>
#include <cmath>

using namespace liprt;

void liprt::scoreLogits(const std::vector<float> &logits, const int32_t *labels,
                        int64_t positions, const std::vector<double> &thresholds, Score &score,
                        const std::vector<double> *radii, const double *radiusLimits) {
  int64_t classes = static_cast<int64_t>(logits.size()) / positions;
  score.certified.resize(thresholds.size(), 0);
  for (int64_t p = 0; p < positions; ++p) {
    const float *row = &logits[p * classes];
    int64_t best = std::max_element(row, row + classes) - row;
    double sum = 0, runnerUp = -INFINITY;
    for (int64_t c = 0; c < classes; ++c) {
      sum += std::exp(static_cast<double>(row[c]) - row[best]);
      if (c != labels[p])
        runnerUp = std::max(runnerUp, static_cast<double>(row[c]));
    }
    score.sumLoss += std::log(sum) + row[best] - row[labels[p]];
    bool correct = best == labels[p];
    score.correct += correct;
    double margin = row[labels[p]] - runnerUp;
    for (size_t t = 0; t < thresholds.size(); ++t) {
      bool inDomain = !radiusLimits || (*radii)[t] == 0 || (*radii)[t] <= radiusLimits[p];
      score.certified[t] += correct && inDomain && (thresholds[t] == 0 || margin > thresholds[t]);
    }
  }
}

namespace {
/// For each of the `n` feature examples at `input`: how far its largest
/// token RMS lies below `bound` (how large a perturbation keeps it inside).
std::vector<double> radiusLimits(const float *input, int64_t n, int64_t perExample,
                                 int64_t tokenWidth, double bound) {
  std::vector<double> limits(n);
  for (int64_t e = 0; e < n; ++e) {
    double largest = 0;
    for (int64_t t = 0; t < perExample / tokenWidth; ++t) {
      double sum = 0;
      for (int64_t i = 0; i < tokenWidth; ++i) {
        double v = input[e * perExample + t * tokenWidth + i];
        sum += v * v;
      }
      largest = std::max(largest, std::sqrt(sum / tokenWidth));
    }
    limits[e] = bound - largest;
  }
  return limits;
}
} // namespace

Result<Evaluation> liprt::evaluate(CompiledStep &model, const Examples &examples, int64_t batch,
                                   int64_t limit, const Robustness *robust) {
  int64_t count = limit > 0 ? std::min(limit, examples.heldOutCount()) : examples.heldOutCount();
  if (count == 0)
    return Status::error("there is no held-out data to evaluate on");
  if (batch <= 0)
    return Status::error("the evaluation batch size must be positive");
  // No batch holds more than there is to evaluate: a --batch far above the
  // held-out part allocates only for that part.
  batch = std::min(batch, count);
  std::vector<char> input(batch * examples.inputBytes());
  std::vector<int32_t> labels(batch * examples.labelElements());
  Evaluation e;
  Score score;
  std::vector<double> thresholds;
  for (int64_t first = 0; first < count; first += batch) {
    int64_t n = std::min(batch, count - first);
    for (int64_t i = 0; i < n; ++i)
      examples.fill(/*heldOut=*/true, first + i, &input[i * examples.inputBytes()],
                    &labels[i * examples.labelElements()]);
    Result<std::vector<float>> logits = model.forward(n, {input.data()});
    if (!logits)
      return logits.status();
    int64_t positions = n * examples.labelElements();
    if (robust && thresholds.empty()) {
      double classes = static_cast<double>(logits->size()) / positions;
      for (double radius : robust->radii)
        thresholds.push_back(std::sqrt(2 * classes) * robust->lipschitz * radius);
    }
    std::vector<double> limits;
    if (robust && robust->inputRmsBound > 0 && !examples.isText())
      limits = radiusLimits(reinterpret_cast<const float *>(input.data()), n,
                            examples.inputElements(), examples.tokenWidth(), robust->inputRmsBound);
    scoreLogits(*logits, labels.data(), positions, thresholds, score,
                robust ? &robust->radii : nullptr, limits.empty() ? nullptr : limits.data());
    e.positions += positions;
  }
  e.examples = count;
  e.loss = score.sumLoss / e.positions;
  e.accuracy = static_cast<double>(score.correct) / e.positions;
  if (robust) {
    e.radii = robust->radii;
    for (int64_t certified : score.certified)
      e.robustAccuracy.push_back(static_cast<double>(certified) / e.positions);
  }
  return e;
}

std::vector<WeightCheck> liprt::checkCertifiedWeights(CompiledStep &model) {
  std::vector<WeightCheck> checks;
  const std::vector<StepTensor> &arguments = model.manifest().arguments;
  for (size_t a = 0; a < arguments.size(); ++a) {
    const StepTensor &t = arguments[a];
    if (t.role != Role::Param || t.guaranteedNorm <= 0 || t.shape.size() != 2)
      continue;
    lipnum::Tensor w(t.shape);
    const std::vector<float> &values = model.values(a);
    w.data.assign(values.begin(), values.end());
    lipnum::WeightNorm norm = t.norm == "l1_to_rms" ? lipnum::WeightNorm::L1ToRms : lipnum::WeightNorm::RmsToRms;
    checks.push_back({t.name, lipnum::normUpperBound(w, norm), t.guaranteedNorm});
  }
  return checks;
}
