//===- EvalCommand.cpp - `BIN eval`: a checkpoint on the held-out data ----===//

#include "Commands.h"
#include "Model.h"

#include "liprt/Evaluate.h"

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
  Result<Evaluation> e = evaluate(model, examples, o.batch, o.evalSamples);
  if (!e)
    return fail(program, e.status().message());
  const char *unit = examples.isText() ? "windows" : "samples";
  if (o.json)
    std::printf("{\"step\":%lld,\"loss\":%.9g,\"accuracy\":%.9g,\"examples\":%lld,"
                "\"positions\":%lld}\n",
                static_cast<long long>(*steps), e->loss, e->accuracy,
                static_cast<long long>(e->examples), static_cast<long long>(e->positions));
  else
    std::printf("held-out loss %.4f  accuracy %.2f%%  (%lld %s, checkpoint at step %lld)\n",
                e->loss, 100 * e->accuracy, static_cast<long long>(e->examples), unit,
                static_cast<long long>(*steps));
  return kOk;
}
