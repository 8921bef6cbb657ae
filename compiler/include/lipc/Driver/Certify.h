//===- Certify.h - Bounds from trained weights (`lipc certify`) -*- C++ -*-===//
//
// The compile-time bound assumes every weight meets its constraint. A
// checkpoint's weights can be measured instead: a rigorous upper bound on
// each weight's norm (Gram iteration for the spectral norm, never a power
// iteration, which only bounds it from below; the exact largest row RMS for
// embeddings), then the same analysis with those norms. The result is a
// bound on the trained model itself, and shows whether the compile-time
// certificate still holds (a weight beyond its w_max breaks it).
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_CERTIFY_H
#define LIPC_DRIVER_CERTIFY_H

#include "lipc/Driver/BoundsReport.h"
#include "lipc/Driver/EmpiricalBound.h"
#include "liprt/Checkpoint.h"

namespace lipc {

struct MeasuredParam {
  std::string name, method, norm;
  double wMax = 0;
  /// The norm the compile-time certificate assumes: w_max, or more for a
  /// method that may overshoot it (the hard cap's polynomial).
  double guaranteed = 0;
  double measured = 0; // an upper bound on the weight's norm
  /// How far `measured` may exceed the true norm (the Gram iteration's
  /// worst case), times float32 rounding: a weight exactly at its guaranteed
  /// norm reads at most guaranteed * slack.
  double slack = 1;
  bool certified = false; // its method guarantees a norm at compile time
  /// Whether the compile-time guarantee holds for this weight, as far as the
  /// measurement can tell.
  bool withinConstraint() const { return !certified || measured <= guaranteed * slack; }
};

struct Certificate {
  int64_t step = 0; // from the checkpoint's metadata (required, validated)
  std::vector<MeasuredParam> params;
  BoundsReport compileTime, trained;
  /// The largest ratio attained near real inputs, and how many examples.
  std::optional<double> empirical;
  int64_t empiricalExamples = 0;

  bool compileTimeHolds() const;
};

/// Measures the parameters of `checkpoint` (written for the spec with hash
/// `specHash`) and bounds the model with them. Changes the constraints of
/// `compiled`'s parameters to the measured norms. Errors (another model, a
/// missing or misshapen tensor) are emitted at the model.
mlir::FailureOr<Certificate> certifyCheckpoint(spec::CompiledSpec &compiled,
                                               const liprt::Checkpoint &checkpoint,
                                               llvm::StringRef specHash);

/// Adds the empirical lower bound of the checkpoint's weights near the
/// examples at `dataPath` (empty: the spec's data) to `certificate`. A
/// ratio above the trained weights' certified bound is an error: the
/// analysis would be unsound.
mlir::LogicalResult addEmpiricalBound(Certificate &certificate, spec::CompiledSpec &compiled,
                                      const liprt::Checkpoint &checkpoint,
                                      const std::string &dataPath,
                                      const EmpiricalSearch &options);

/// What a compiled binary's `eval` needs to certify weights it can only
/// measure (it has no bound analysis): the bound with every certified
/// weight's norm at `weightTolerance` above its guarantee (so that a weight
/// at its cap, measured a little above it by the Gram bound, is covered by
/// a sound bound), and whether the bound depends on the input's RMS bound
/// (attention's does), in which case a certified radius must keep every
/// token of the perturbed input within it.
struct EvalCertificate {
  double weightTolerance = 0;
  bool certified = false;
  double bound = 0;
  bool dependsOnInputRms = false;
};

/// Runs the analysis twice more on `compiled`'s model (its constraints and
/// input attributes are restored afterwards).
mlir::FailureOr<EvalCertificate> buildEvalCertificate(spec::CompiledSpec &compiled,
                                                      double weightTolerance);
void printEvalCertificateJson(const EvalCertificate &certificate, llvm::raw_ostream &os);

void printCertificate(const Certificate &certificate, llvm::raw_ostream &os);
void printCertificateJson(const Certificate &certificate, llvm::raw_ostream &os);

} // namespace lipc

#endif // LIPC_DRIVER_CERTIFY_H
