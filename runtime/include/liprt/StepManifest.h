//===- StepManifest.h - What a compiled step takes and returns ------------===//
//
// The runtime's reading of a compiled model's manifest (the JSON string
// `lipc_manifest` of lipc_abi.h, written by compiler/lib/Driver/StepManifest.cpp): every
// argument and result of the training step and the forward pass with its
// role, dtype and shape, the constraints the certificate assumes, and the
// spec's train settings. Parsing validates all of it, so the rest of the
// runtime works with checked descriptions.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_STEPMANIFEST_H
#define LIPRT_STEPMANIFEST_H

#include "liprt/Status.h"

#include "lipc_abi.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace liprt {

using Role = lipc::abi::Role;

/// Highest tensor rank a manifest may describe (descriptors are fixed-size).
inline constexpr int64_t kMaxTensorRank = lipc::abi::kMaxRank;

/// Bytes of one element of `dtype` (f32, f64, i32); 0 for any other.
int64_t dtypeBytes(const std::string &dtype);

/// One argument or result of the step, as the manifest describes it.
struct StepTensor {
  Role role = Role::Input;
  std::string name, state, dtype;
  /// -1 marks the batch extent.
  std::vector<int64_t> shape;
  std::string constraintMethod; // empty: unconstrained
  std::string norm;             // rms_to_rms | l1_to_rms, with a constraint
  double wMax = 0;
  /// The norm the certified bound assumes for this weight (w_max, or more
  /// for a cap that may overshoot); 0 when its method guarantees none.
  double guaranteedNorm = 0;
  /// A model input's bound on the RMS of each token; 0 when unbounded.
  double rmsBound = 0;
  /// A parameter that training starts at zero (the spec's `init = zero`).
  bool zeroInit = false;

  int64_t elements(int64_t batch) const;
  int64_t bytes(int64_t batch) const;
  /// A parameter or optimizer state: owned by the runtime, updated by every
  /// step, saved in checkpoints.
  bool isCarried() const { return role == Role::Param || role == Role::State; }
};

/// The spec's train section: what `train` does when no option overrides it.
struct TrainDefaults {
  /// `steps` is also the default horizon of the learning-rate schedule
  /// (`schedule`: constant, linear, cosine or cooldown), after `warmup`
  /// steps of warm-up; `lr` is the optimizer's base rate.
  int64_t steps = 100, batch = 128, seed = 0, warmup = 0;
  double lr = 0; // 0: not recorded
  std::string schedule = "constant";
  int64_t evalEvery = 0; // 0: evaluate at the end only
  std::string dataKind;  // text | fashion_mnist | csv, or empty
  std::string dataPath;  // as the spec wrote it; may be empty
  double split = 0.9;    // the training fraction of text and CSV data
  int labelColumn = -1;  // a CSV's class column (negative: from the end)
  double featureScale = 1; // a CSV's features are multiplied by it
  /// Feature data whose tokens exceed the input's RMS bound: scaled onto it
  /// (and counted) when set, an error when not.
  bool clipToRmsBound = false;
  /// The precision asked for the model's products (lipc --precision).
  lipc::abi::ProductPrecision products = lipc::abi::ProductPrecision::Fp32;
};

struct StepManifest {
  std::vector<StepTensor> arguments, results;
  /// The forward pass: parameters (in the step's order) and inputs in, one
  /// logits result out. Empty when the manifest has none.
  std::vector<StepTensor> forwardArguments, forwardResults;
  TrainDefaults train;
  /// The largest factor by which `lr_scale` may multiply the learning rates
  /// and keep every soft and hard cap's guarantee (infinite: no such limit).
  double maxLrScale = INFINITY;

  bool hasForward() const { return !forwardResults.empty(); }
  /// Whether the step takes the run's lr scale and horizon (else they are
  /// the compiled ones).
  bool takesScheduleOverrides() const;
};

/// Parses and validates a manifest: the format and version lipc writes,
/// known roles and dtypes, ranks the runtime supports, results that mirror
/// the parameters and state.
Result<StepManifest> parseStepManifest(const std::string &text);

} // namespace liprt

#endif // LIPRT_STEPMANIFEST_H
