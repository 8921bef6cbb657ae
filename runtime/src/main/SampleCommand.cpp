//===- SampleCommand.cpp - `BIN sample`: text from a byte-level model -----===//
//
// A text model's token is a byte of its training text (a character for
// ASCII; a UTF-8 character is several tokens). Generates tokens one at a
// time with the compiled forward pass: the
// model sees the last `seq` tokens (a shorter context is left-aligned and
// padded; a causal model's logits at a position do not depend on what
// follows it), the next token is drawn from softmax(logits / temperature)
// with a generator seeded by --seed, or is the argmax at temperature 0. The
// vocabulary comes from the checkpoint.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Model.h"

#include "liprt/Data.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace liprt;
using namespace liprt::main;

namespace {
/// The next token from the logits of one position, among the first
/// `classes` (the bytes of the vocabulary; a model may have more classes
/// than the training text had distinct bytes).
int32_t draw(const float *logits, int64_t classes, double temperature, std::mt19937_64 &rng) {
  int64_t best = std::max_element(logits, logits + classes) - logits;
  if (temperature <= 0)
    return static_cast<int32_t>(best);
  std::vector<double> weights(classes);
  for (int64_t c = 0; c < classes; ++c)
    weights[c] = std::exp((static_cast<double>(logits[c]) - logits[best]) / temperature);
  std::discrete_distribution<int32_t> pick(weights.begin(), weights.end());
  return pick(rng);
}
} // namespace

int main::sample(const char *program, const Options &o) {
  Result<CompiledStep> model = loadModel();
  if (!model)
    return fail(program, model.status().message());
  const StepManifest &m = model->manifest();
  if (m.forwardArguments.empty() || m.forwardArguments.back().dtype != "i32" ||
      m.forwardArguments.back().shape.size() != 2)
    return fail(program, "sample needs a text model (one input of tokens [batch, seq], a token a byte)");
  // The vocabulary comes checked: distinct bytes, no more than the classes.
  Result<TrainingMetadata> state = loadTrainingState(*model, o.checkpoint);
  if (!state)
    return fail(program, state.status().message());
  const std::string &vocabulary = state->vocabulary;
  Result<std::vector<int32_t>> tokens = encode(vocabulary, o.prompt);
  if (!tokens)
    return fail(program, "the prompt: " + tokens.status().message());
  if (tokens->empty())
    tokens->push_back(vocabulary.find('\n') != std::string::npos
                          ? static_cast<int32_t>(vocabulary.find('\n'))
                          : 0);
  setThreads(o.threads);
  if (Status s = useDevice(*model, o.device, program); !s)
    return fail(program, s.message());
  int64_t seq = m.forwardArguments.back().shape[1];
  int64_t classes = m.forwardResults[0].shape.back();
  std::mt19937_64 rng(static_cast<uint64_t>(o.seed));
  std::string text = o.prompt;
  std::vector<int32_t> window(seq);
  for (int64_t i = 0; i < o.length; ++i) {
    int64_t context = std::min<int64_t>(seq, static_cast<int64_t>(tokens->size()));
    std::fill(window.begin(), window.end(), 0);
    std::copy(tokens->end() - context, tokens->end(), window.begin());
    Result<std::vector<float>> logits = model->forward(1, {window.data()});
    if (!logits)
      return fail(program, logits.status().message());
    const float *row = &(*logits)[(context - 1) * classes];
    // Weights finite but huge overflow to logits no distribution can be
    // drawn from.
    if (!std::all_of(row, row + vocabulary.size(), [](float v) { return std::isfinite(v); }))
      return fail(program, "the model's logits are not finite: the checkpoint's weights overflow "
                           "the model's arithmetic");
    int32_t next = draw(row, static_cast<int64_t>(vocabulary.size()), o.temperature, rng);
    tokens->push_back(next);
    text += vocabulary[next];
  }
  std::printf("%s\n", text.c_str());
  return kOk;
}
