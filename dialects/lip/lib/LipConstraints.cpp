//===- LipConstraints.cpp - What each constraint method guarantees --------===//
//
// The guarantees follow algorithms.md section 3.7, restated with the
// conditions under which they hold. A method that guarantees nothing still
// reports its nominal `w_max`, but with the reason it is not certified.
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/Lip/LipConstraints.h"

#include "lip/Dialect/Lip/BoundArith.h"

using namespace mlir;
using namespace mlir::lip;

ConstraintGuarantee mlir::lip::getConstraintGuarantee(ConstraintAttr constraint) {
  double wMax = constraint.getWMaxValue();
  switch (constraint.getMethod()) {
  case ConstraintMethod::exact_cap:
    return {wMax, "", "exact cap U min(S, w_max) V^T after every update"};
  case ConstraintMethod::orthogonal:
    return {wMax, "",
            "orthogonalised (Newton-Schulz, singular values <= 1) and scaled to w_max"};
  case ConstraintMethod::spectral_normalize:
    return {wMax, "",
            "divided by max(1, sigma_up / w_max) with a rigorous upper bound sigma_up"};
  case ConstraintMethod::soft_cap:
    return {wMax, "",
            "soft cap with coupling alpha; holds with Muon updates while "
            "k = w_max + update norm <= 1.306 w_max"};
  case ConstraintMethod::hard_cap:
    return {bound::mulUp(wMax, kHardCapOvershoot), "",
            "hard-cap polynomial overshoots by <= 1.011 while sigma <= 3.5 w_max "
            "before each projection"};
  case ConstraintMethod::embed_cap:
    return {wMax, "", "every token's embedding row rescaled to RMS <= w_max"};
  case ConstraintMethod::spectral_hammer:
    return {wMax,
            "method 'spectral_hammer' only resets the top singular value; "
            "others may exceed w_max",
            ""};
  case ConstraintMethod::spectral_weight_decay:
    return {wMax, "method 'spectral_weight_decay' only shrinks the top singular "
                  "value and guarantees no norm",
            ""};
  case ConstraintMethod::weight_decay:
    return {wMax, "method 'weight_decay' guarantees no norm", ""};
  case ConstraintMethod::none:
    return {kUnbounded, "method 'none' leaves the weight unconstrained", ""};
  }
  llvm_unreachable("unknown constraint method");
}

bool mlir::lip::isMethodApplicable(ConstraintMethod method, NormKind norm) {
  switch (method) {
  case ConstraintMethod::none:
  case ConstraintMethod::weight_decay:
    return true;
  case ConstraintMethod::embed_cap:
    return norm == NormKind::l1_to_rms;
  default:
    return norm == NormKind::rms_to_rms;
  }
}
