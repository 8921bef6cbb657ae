//===- Evaluate.h - Loss and accuracy of a compiled model on held-out data -===//
//
// `eval` and the evaluations during `train`: the compiled forward pass on
// the held-out examples in batches, then the mean cross-entropy and the
// fraction of positions whose largest logit is the label, in double; for a
// classifier with a certified bound, the certified robust accuracy.
//
// Certified robustness in lipc's norms: the bound L holds from the input's
// max-token RMS norm to the logits' RMS over C classes. A perturbation of
// size eps moves the logits by at most L eps in RMS, sqrt(C) L eps in l2,
// so a logit difference z_y - z_j by at most sqrt(2 C) L eps (the paper's
// sqrt(2) L eps is the same argument in l2 norms). A prediction is
// certified at radius eps when its margin z_y - max_{j != y} z_j exceeds
// that; at radius 0, when it is correct. The bound L assumes every weight
// within its constraint: a checkpoint's weights are measured before any
// certificate is given for them (checkCertifiedWeights).
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_EVALUATE_H
#define LIPRT_EVALUATE_H

#include "liprt/CompiledStep.h"
#include "liprt/Examples.h"

namespace liprt {

/// Radii (in the input's max-token RMS norm) at which to certify, and the
/// certified Lipschitz bound of the model. When the bound holds only for
/// inputs whose tokens have RMS at most `inputRmsBound` (> 0; attention's
/// bound uses it), a prediction counts at radius eps only if every token of
/// every input within eps stays inside: its largest token RMS + eps <= the
/// bound.
struct Robustness {
  std::vector<double> radii;
  double lipschitz = 0;
  double inputRmsBound = 0;
};

struct Evaluation {
  double loss = 0, accuracy = 0;
  int64_t examples = 0;  // images or windows
  int64_t positions = 0; // predictions scored (images, or tokens)
  /// With a Robustness query: the fraction certified at each radius.
  std::vector<double> radii, robustAccuracy;
};

/// Evaluates the first `limit` held-out examples (all when `limit` is 0) in
/// batches of at most `batch`; certifies predictions at `robust`'s radii
/// when given.
Result<Evaluation> evaluate(CompiledStep &model, const Examples &examples, int64_t batch,
                            int64_t limit = 0, const Robustness *robust = nullptr);

/// One weight measured against the norm the certified bound assumes for it.
struct WeightCheck {
  std::string name;
  double measured = 0;   // a rigorous upper bound on its norm
  double guaranteed = 0; // what the certificate assumes (manifest's guaranteed_norm)
  /// Whether the true norm is at most guaranteed * (1 + tolerance): the
  /// measurement bounds it from above.
  bool within(double tolerance) const { return measured <= guaranteed * (1 + tolerance); }
};

/// Measures every weight of a certified constraint method (Gram iteration,
/// lipnum/NormBounds.h): a bound computed with every norm at
/// guaranteed * (1 + tolerance) holds for the model's current weights if
/// every check is within(tolerance).
std::vector<WeightCheck> checkCertifiedWeights(CompiledStep &model);

/// Running sums over scored positions.
struct Score {
  double sumLoss = 0;
  int64_t correct = 0;
  std::vector<int64_t> certified; // per margin threshold
};

/// Scores `logits` ([positions, classes], row-major) against `labels`:
/// cross-entropy, correct predictions, and predictions correct with a
/// margin above each of `thresholds` (0: correct).
/// `radiusLimits`, when given, holds per position the largest radius at
/// which it may be certified (the threshold for radius r is certified only
/// where r <= the limit); `radii` are the thresholds' radii.
void scoreLogits(const std::vector<float> &logits, const int32_t *labels, int64_t positions,
                 const std::vector<double> &thresholds, Score &score,
                 const std::vector<double> *radii = nullptr, const double *radiusLimits = nullptr);

} // namespace liprt

#endif // LIPRT_EVALUATE_H
