//===- EvalCommand.cpp - `BIN eval`: a checkpoint on the held-out data ----===//

#include "Commands.h"
#include "Model.h"

#include "liprt/Evaluate.h"
#include "liprt/MemoryEstimate.h"

#include <algorithm>
#include <cmath>

using namespace liprt;
using namespace liprt::main;

namespace {
/// The loss as the summary line shows it; printf would show -nan.
std::string lossText(double loss) {
  if (!std::isfinite(loss))
    return std::string("not finite (") + (std::isnan(loss) ? "nan" : "inf") + ")";
  char text[32];
  std::snprintf(text, sizeof(text), "%.4f", loss);
  return text;
}

/// A held-out loss that overflowed (weights finite but huge) is no result:
/// exit 1, saying what it was, after the line or JSON object that shows it.
int finiteLoss(const char *program, double loss) {
  if (std::isfinite(loss))
    return kOk;
  return fail(program, "the held-out loss is " + lossText(loss) +
                           ": the checkpoint's weights overflow the model's arithmetic");
}

/// Empty when `certificate`'s bound certifies `model` with its current
/// weights; otherwise why not.
std::string whyNotCertified(CompiledStep &model, const EvalCertificate &certificate) {
  if (!std::isfinite(certificate.bound))
    return "the model's bound is not certified";
  std::string outside = weightOutsideCertificate(model, certificate.weightTolerance);
  return outside.empty() ? "" : outside + " (lipc certify bounds the model with these weights)";
}

} // namespace

int main::eval(const char *program, const Options &o) {
  Result<ModelAndData> loaded = loadModelAndData(o.data);
  if (!loaded)
    return fail(program, loaded.status().message());
  CompiledStep &model = loaded->model;
  const Examples &examples = loaded->examples;
  Result<TrainingMetadata> training = loadTrainingState(model, examples, o.checkpoint);
  if (!training)
    return fail(program, training.status().message());
  int64_t steps = training->step;
  // Evaluation batches hold at most the held-out examples.
  if (Status s = checkBatchFits(model.manifest(), std::min(o.batch, examples.heldOutCount()),
                                physicalMemoryBytes());
      !s)
    return fail(program, s.message(), kUsage);
  setThreads(o.threads);
  if (Status s = useDevice(model, o.device, program); !s)
    return fail(program, s.message());
  // Certified robustness for classifiers of features with a certified
  // bound, and only once every weight is measured within the norms that bound
  // assumes: a checkpoint may hold weights no projection produced. The
  // bound is the one lipc compile computed with each certified norm a
  // measurement tolerance above its guarantee; one that uses the input's RMS
  // bound also holds a certified radius to it.
  EvalCertificate certificate = evalCertificate();
  Robustness robust{o.radii, certificate.bound,
                    certificate.dependsOnInputRms && modelInput(model) ? modelInput(model)->rmsBound
                                                                       : 0.0};
  std::string notCertified = whyNotCertified(model, certificate);
  bool certifiable = !examples.isText() && notCertified.empty();
  Result<Evaluation> e =
      evaluate(model, examples, o.batch, o.evalSamples, certifiable ? &robust : nullptr);
  if (!e)
    return fail(program, e.status().message());
  const char *unit = examples.isText() ? "windows" : "samples";
  if (o.json) {
    json::Json report = {{"step", steps},
                         {"loss", logNumber(e->loss)},
                         {"loss_finite", std::isfinite(e->loss)},
                         {"accuracy", logNumber(e->accuracy)},
                         {"examples", e->examples},
                         {"positions", e->positions},
                         {"certificate_holds", notCertified.empty()}};
    if (!notCertified.empty())
      report["not_certified"] = notCertified;
    if (certifiable) {
      report["certified_bound"] = logNumber(robust.lipschitz);
      json::Json robustAccuracy = json::Json::array();
      for (size_t i = 0; i < e->radii.size(); ++i)
        robustAccuracy.push_back(
            {{"radius", logNumber(e->radii[i])}, {"accuracy", logNumber(e->robustAccuracy[i])}});
      report["robust_accuracy"] = std::move(robustAccuracy);
    } else if (!examples.isText()) {
      report["certified_bound"] = nullptr;
    }
    std::printf("%s\n", json::dump(report).c_str());
    return finiteLoss(program, e->loss);
  }
  std::printf("held-out loss %s  accuracy %.2f%%  (%lld %s, checkpoint at step %lld)\n",
              lossText(e->loss).c_str(), 100 * e->accuracy, static_cast<long long>(e->examples),
              unit,
              static_cast<long long>(steps));
  if (certifiable) {
    std::printf("certified robust accuracy (bound %.6g; radius in the input's max-token RMS):",
                robust.lipschitz);
    for (size_t i = 0; i < e->radii.size(); ++i)
      std::printf("  %g: %.2f%%", e->radii[i], 100 * e->robustAccuracy[i]);
    std::printf("\n");
  } else if (!examples.isText()) {
    std::printf("no certified robust accuracy: %s\n", notCertified.c_str());
  }
  return finiteLoss(program, e->loss);
}
