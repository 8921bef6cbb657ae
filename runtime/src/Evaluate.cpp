//===- Evaluate.cpp - Loss and accuracy of a compiled model on held-out data //

#include "liprt/Evaluate.h"

#include <algorithm>
#include <cmath>

using namespace liprt;

void liprt::scoreLogits(const std::vector<float> &logits, const int32_t *labels,
                        int64_t positions, double &sumLoss, int64_t &correct) {
  int64_t classes = static_cast<int64_t>(logits.size()) / positions;
  for (int64_t p = 0; p < positions; ++p) {
    const float *row = &logits[p * classes];
    int64_t best = std::max_element(row, row + classes) - row;
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c)
      sum += std::exp(static_cast<double>(row[c]) - row[best]);
    sumLoss += std::log(sum) + row[best] - row[labels[p]];
    correct += best == labels[p];
  }
}

Result<Evaluation> liprt::evaluate(CompiledStep &model, const Examples &examples, int64_t batch,
                                   int64_t limit) {
  int64_t count = limit > 0 ? std::min(limit, examples.heldOutCount()) : examples.heldOutCount();
  if (count == 0)
    return Status::error("there is no held-out data to evaluate on");
  if (batch <= 0)
    return Status::error("the evaluation batch size must be positive");
  std::vector<char> input(batch * examples.inputBytes());
  std::vector<int32_t> labels(batch * examples.labelElements());
  Evaluation e;
  double sumLoss = 0;
  int64_t correct = 0;
  for (int64_t first = 0; first < count; first += batch) {
    int64_t n = std::min(batch, count - first);
    for (int64_t i = 0; i < n; ++i)
      examples.fill(/*heldOut=*/true, first + i, &input[i * examples.inputBytes()],
                    &labels[i * examples.labelElements()]);
    Result<std::vector<float>> logits = model.forward(n, {input.data()});
    if (!logits)
      return logits.status();
    int64_t positions = n * examples.labelElements();
    scoreLogits(*logits, labels.data(), positions, sumLoss, correct);
    e.positions += positions;
  }
  e.examples = count;
  e.loss = sumLoss / e.positions;
  e.accuracy = static_cast<double>(correct) / e.positions;
  return e;
}
