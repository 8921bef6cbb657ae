//===- LipBoundRules.cpp - The Lipschitz rule of every lip op -------------===//
//
// Each rule maps the operands' bounds (Lipschitz constant from the model
// input, max-token RMS, and for parameters the guaranteed norm) to the
// result's. Rationale.md derives every rule; the soundness tests in
// tests/unit check each one against a search for the worst ratio.
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/Lip/BoundArith.h"
#include "lip/Dialect/Lip/LipConstraints.h"
#include "lip/Dialect/Lip/LipDialect.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::lip;
using namespace mlir::lip::bound;

/// max |gelu'(x)| = Phi(sqrt 2) + sqrt 2 phi(sqrt 2) = 1.12890414...,
/// rounded up.
static constexpr double kGeluErfMaxSlope = 1.1289042;
/// The tanh approximation's slope peaks at 1.12899307 (x = 1.4185).
static constexpr double kGeluTanhMaxSlope = 1.1289931;

namespace {
/// The first reason any operand is not certified, or "" if all are.
std::string inheritedReason(ArrayRef<ValueBound> operands) {
  for (const ValueBound &b : operands)
    if (!b.isCertified())
      return b.notCertified;
  return "";
}

/// A map that multiplies the Lipschitz bound by `factor` and the RMS bound by
/// `rmsFactor`.
RuleResult scaledBy(ArrayRef<ValueBound> operands, double factor, double rmsFactor,
                    std::string note = "") {
  RuleResult r;
  r.bound.lipschitz = mulUp(operands[0].lipschitz, factor);
  r.bound.rms = mulUp(operands[0].rms, rmsFactor);
  r.bound.notCertified = inheritedReason(operands);
  r.factor = factor;
  r.note = std::move(note);
  return r;
}

/// Growth of the Lipschitz bound relative to `reference` (1 when the
/// reference does not depend on the input).
double growth(double lipschitz, double reference) {
  return reference > 0 ? divUp(lipschitz, reference) : 1.0;
}

/// The norm a weight operand is guaranteed to have, with the reason it is
/// unusable when it is not a constrained parameter.
RuleResult weightedBy(ArrayRef<ValueBound> operands, const ValueBound &weight,
                      StringRef what) {
  if (weight.lipschitz > 0) {
    RuleResult r = scaledBy(operands, kUnbounded, kUnbounded);
    r.bound.notCertified =
        llvm::formatv("the {0} depends on the model input (a bilinear map)", what);
    return r;
  }
  RuleResult r = scaledBy(operands, weight.weightNorm, weight.weightNorm);
  if (std::isinf(weight.weightNorm) && r.bound.isCertified())
    r.bound.notCertified =
        llvm::formatv("the {0} has no norm bound (not a constrained lip.param)", what);
  return r;
}
} // namespace

RuleResult mlir::lip::nonExpansiveRule(ArrayRef<ValueBound> operands) {
  return scaledBy(operands, 1.0, 1.0);
}

RuleResult ParamOp::inferLipschitzBound(ArrayRef<ValueBound>) {
  ConstraintGuarantee g = getConstraintGuarantee(getConstraint());
  RuleResult r;
  r.bound.lipschitz = 0;
  r.bound.rms = kUnbounded;
  r.bound.weightNorm = g.normBound;
  if (!g.notCertified.empty())
    r.bound.notCertified = llvm::formatv("parameter '{0}': {1}", getName(), g.notCertified);
  r.factor = g.normBound;
  r.note = g.assumption;
  return r;
}

RuleResult LinearOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  return weightedBy(operands, operands[1], "linear weight");
}

RuleResult PositionsOp::inferLipschitzBound(ArrayRef<ValueBound>) {
  RuleResult r;
  r.bound.lipschitz = 0;
  r.factor = 0;
  r.note = "positions do not depend on the tokens";
  return r;
}

RuleResult EmbeddingOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  // The ids are one-hot vectors measured in l1: a change of token moves the
  // input by 2 and the output by at most 2 * (largest row RMS). Ids that do
  // not depend on the tokens (lip.positions) move nothing.
  ValueBound oneHot;
  oneHot.lipschitz = operands[0].lipschitz > 0 ? 1.0 : 0.0;
  oneHot.rms = 1.0;
  SmallVector<ValueBound> asOneHot = {oneHot, operands[1]};
  RuleResult r = weightedBy(asOneHot, operands[1], "embedding table");
  r.note = oneHot.lipschitz > 0 ? "input: one-hot tokens (l1 per token)" : "rows by position";
  return r;
}

RuleResult GeluOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  double scale = std::fabs(getScale().convertToDouble());
  double slope = getTanh() ? kGeluTanhMaxSlope : kGeluErfMaxSlope;
  // |gelu(x)| <= |x| for both formulas, so the RMS bound only scales.
  return scaledBy(operands, mulUp(scale, slope), scale);
}

RuleResult AddOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  RuleResult r;
  r.bound.lipschitz = addUp(operands[0].lipschitz, operands[1].lipschitz);
  r.bound.rms = addUp(operands[0].rms, operands[1].rms);
  r.bound.notCertified = inheritedReason(operands);
  r.factor = growth(r.bound.lipschitz, operands[0].lipschitz);
  return r;
}

RuleResult ScaleOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  double c = std::fabs(getFactor().convertToDouble());
  return scaledBy(operands, c, c);
}

RuleResult ResidualOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  double alpha = getAlpha().convertToDouble();
  double keep = subUp(1.0, alpha);
  auto mix = [&](double x, double fx) {
    return addUp(mulUp(keep, x), mulUp(alpha, fx));
  };
  RuleResult r;
  r.bound.lipschitz = mix(operands[0].lipschitz, operands[1].lipschitz);
  r.bound.rms = mix(operands[0].rms, operands[1].rms);
  r.bound.notCertified = inheritedReason(operands);
  r.factor = growth(r.bound.lipschitz, operands[0].lipschitz);
  r.note = "alpha=" + formatBound(alpha);
  return r;
}

RuleResult ConcatOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  // A token's squared l2 norm is the sum of its parts'; in RMS units each
  // part counts with its share of the width.
  double width = static_cast<double>(getType().getShape().back());
  double lipschitz2 = 0.0, rms2 = 0.0;
  for (auto [input, b] : llvm::zip_equal(getInputs(), operands)) {
    double part = static_cast<double>(cast<RankedTensorType>(input.getType()).getShape().back());
    double share = divUp(part, width);
    lipschitz2 = addUp(lipschitz2, mulUp(share, mulUp(b.lipschitz, b.lipschitz)));
    rms2 = addUp(rms2, mulUp(share, mulUp(b.rms, b.rms)));
  }
  RuleResult r;
  r.bound.lipschitz = sqrtUp(lipschitz2);
  r.bound.rms = sqrtUp(rms2);
  r.bound.notCertified = inheritedReason(operands);
  r.factor = growth(r.bound.lipschitz, operands[0].lipschitz);
  r.note = "root mean square of " + std::to_string(operands.size()) + " parts";
  return r;
}

RuleResult AttentionOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  const ValueBound &q = operands[0], &k = operands[1], &v = operands[2];
  double s = std::fabs(getLogitScale().convertToDouble());
  double f = std::fabs(getOutputFactor().convertToDouble());
  double heads = static_cast<double>(getType().getDimSize(2));
  // |score| <= s/d_head |q_h| |k_h| <= s H a_q a_k = B. Scores span at most 2B,
  // so no attention weight exceeds e^{2B}/n: c^2 bounds the weight the heads
  // together can put on one token.
  double sH = mulUp(s, heads);
  double scoreBound = mulUp(sH, mulUp(q.rms, k.rms));
  double spread = std::min(heads, expUp(mulUp(2.0, scoreBound)));
  double c = sqrtUp(spread);
  double valuePath = mulUp(c, v.lipschitz);
  double scorePath =
      mulUp(mulUp(sH, v.rms),
            addUp(mulUp(k.rms, q.lipschitz), mulUp(q.rms, k.lipschitz)));
  RuleResult r;
  r.bound.lipschitz = mulUp(f, addUp(valuePath, scorePath));
  r.bound.rms = mulUp(f, mulUp(c, v.rms));
  r.bound.notCertified = inheritedReason(operands);
  bool scoresMove = q.lipschitz > 0 || k.lipschitz > 0;
  if (r.bound.isCertified() && scoresMove && (std::isinf(q.rms) || std::isinf(k.rms)))
    r.bound.notCertified = "attention is Lipschitz only on bounded inputs, and the "
                           "RMS of its queries or keys is unbounded (give the model "
                           "input an RMS bound)";
  double inputLipschitz = std::max({q.lipschitz, k.lipschitz, v.lipschitz});
  r.factor = growth(r.bound.lipschitz, inputLipschitz);
  r.note = llvm::formatv("heads={0}, uses |q|_rms <= {1}, |k|_rms <= {2}, "
                         "|v|_rms <= {3}",
                         getType().getDimSize(2), formatBound(q.rms), formatBound(k.rms),
                         formatBound(v.rms));
  return r;
}

RuleResult CrossEntropyOp::inferLipschitzBound(ArrayRef<ValueBound> operands) {
  double classes =
      static_cast<double>(cast<RankedTensorType>(getLogits().getType()).getShape().back());
  // |grad| = |softmax(z) - onehot(y)|_2 <= sqrt 2 per token, and
  // |dz|_2 = sqrt(classes) |dz|_rms.
  double factor = sqrtUp(mulUp(2.0, classes));
  RuleResult r = scaledBy(operands, factor, 0.0);
  // |CE| <= |z_y| + |logsumexp z| <= 2 max|z| + log(classes).
  double maxLogit = mulUp(sqrtUp(classes), operands[0].rms);
  r.bound.rms = addUp(mulUp(2.0, maxLogit), nextUp(nextUp(std::log(classes))));
  r.note = "scalar loss w.r.t. the logits";
  return r;
}
