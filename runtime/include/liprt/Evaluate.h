//===- Evaluate.h - Loss and accuracy of a compiled model on held-out data -===//
//
// `eval` and the evaluations during `train`: the compiled forward pass on
// the held-out examples in batches, then the mean cross-entropy and the
// fraction of positions whose largest logit is the label, in double.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_EVALUATE_H
#define LIPRT_EVALUATE_H

#include "liprt/CompiledStep.h"
#include "liprt/Examples.h"

namespace liprt {

struct Evaluation {
  double loss = 0, accuracy = 0;
  int64_t examples = 0;  // images or windows
  int64_t positions = 0; // predictions scored (images, or tokens)
};

/// Evaluates the first `limit` held-out examples (all when `limit` is 0) in
/// batches of at most `batch`.
Result<Evaluation> evaluate(CompiledStep &model, const Examples &examples, int64_t batch,
                            int64_t limit = 0);

/// Mean cross-entropy and accuracy of `logits` ([positions, classes],
/// row-major) against `labels`, accumulated into `sumLoss` and `correct`.
void scoreLogits(const std::vector<float> &logits, const int32_t *labels, int64_t positions,
                 double &sumLoss, int64_t &correct);

} // namespace liprt

#endif // LIPRT_EVALUATE_H
