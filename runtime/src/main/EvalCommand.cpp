//===- EvalCommand.cpp - `BIN eval`: a checkpoint on the held-out data ----===//

#include "Commands.h"
#include "Model.h"

#include "liprt/Evaluate.h"

#include <cmath>

using namespace liprt;
using namespace liprt::main;

int main::eval(const char *program, const Options &o) {
  Result<ModelAndData> loaded = loadModelAndData(o.data);
  if (!loaded)
    return fail(program, loaded.status().message());
  CompiledStep &model = loaded->model;
  const Examples &examples = loaded->examples;
  Result<int64_t> steps = loadTrainingState(model, examples, o.checkpoint);
  if (!steps)
    return fail(program, steps.status().message());
  setThreads(o.threads);
  if (Status s = useDevice(model, o.device, program); !s)
    return fail(program, s.message());
  // Certified robustness for classifiers of features with a certified bound.
  Robustness robust{o.radii, certifiedBound()};
  bool certifiable = !examples.isText() && std::isfinite(robust.lipschitz);
  Result<Evaluation> e =
      evaluate(model, examples, o.batch, o.evalSamples, certifiable ? &robust : nullptr);
  if (!e)
    return fail(program, e.status().message());
  const char *unit = examples.isText() ? "windows" : "samples";
  if (o.json) {
    std::printf("{\"step\":%lld,\"loss\":%.9g,\"accuracy\":%.9g,\"examples\":%lld,"
                "\"positions\":%lld",
                static_cast<long long>(*steps), e->loss, e->accuracy,
                static_cast<long long>(e->examples), static_cast<long long>(e->positions));
    if (certifiable) {
      std::printf(",\"certified_bound\":%.9g,\"robust_accuracy\":[", robust.lipschitz);
      for (size_t i = 0; i < e->radii.size(); ++i)
        std::printf("%s{\"radius\":%.9g,\"accuracy\":%.9g}", i ? "," : "", e->radii[i],
                    e->robustAccuracy[i]);
      std::printf("]");
    }
    std::printf("}\n");
    return kOk;
  }
  std::printf("held-out loss %.4f  accuracy %.2f%%  (%lld %s, checkpoint at step %lld)\n",
              e->loss, 100 * e->accuracy, static_cast<long long>(e->examples), unit,
              static_cast<long long>(*steps));
  if (certifiable) {
    std::printf("certified robust accuracy (bound %.6g; radius in the input's max-token RMS):",
                robust.lipschitz);
    for (size_t i = 0; i < e->radii.size(); ++i)
      std::printf("  %g: %.2f%%", e->radii[i], 100 * e->robustAccuracy[i]);
    std::printf("\n");
  }
  return kOk;
}
