//===- CheckpointFuzzer.cpp - libFuzzer target: the safetensors reader ----===//
//
// Arbitrary bytes as a checkpoint file for liprt::loadCheckpoint (header
// length, JSON header, dtypes, shapes, offsets, values). A bad file may only
// be an error Status. A checkpoint that loads must be what the loader
// promises (every tensor's values fill its shape and are finite); then
// checkCompatible reads its step and vocabulary against a schema made of its
// own hash and shapes, and what it returns must survive setTrainingMetadata
// and a second check unchanged.
//
//===----------------------------------------------------------------------===//

#include "FuzzInput.h"

#include "liprt/Checkpoint.h"

#include <cmath>

using namespace liprt;
using lipc::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static lipc::fuzz::InputFile file("checkpoint.safetensors");
  Result<Checkpoint> loaded = loadCheckpoint(file.write(data, size));
  if (!loaded) {
    check(!loaded.status().message().empty(), "an error says what is wrong");
    return 0;
  }
  CheckpointSchema schema;
  bool allF32 = true;
  for (const auto &[name, t] : loaded->tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) {
      check(d >= 0, "dimensions are not negative");
      check(!__builtin_mul_overflow(n, d, &n), "a shape's element count fits in int64");
    }
    check(static_cast<int64_t>(t.values.size()) == n, "a tensor's values fill its shape");
    for (double v : t.values)
      check(std::isfinite(v), "values are finite");
    schema.shapes[name] = t.shape;
    allF32 = allF32 && t.dtype == DType::F32;
  }

  auto hash = loaded->metadata.find("spec_hash");
  if (hash == loaded->metadata.end() || !allF32)
    return 0;
  schema.specHash = hash->second;
  for (int64_t limit : {int64_t(0), int64_t(256)}) {
    schema.vocabularyLimit = limit;
    Result<TrainingMetadata> training = checkCompatible(*loaded, schema);
    if (!training)
      continue;
    check(training->step >= 0 && training->step <= kMaxSteps, "the step is a count of steps");
    check(static_cast<int64_t>(training->vocabulary.size()) <= limit, "the vocabulary fits");
    for (size_t i = 1; i < training->vocabulary.size(); ++i)
      check(static_cast<unsigned char>(training->vocabulary[i - 1]) <
                static_cast<unsigned char>(training->vocabulary[i]),
            "the vocabulary is distinct bytes in increasing order");
    Checkpoint again = *loaded;
    setTrainingMetadata(again, *training);
    Result<TrainingMetadata> reread = checkCompatible(again, schema);
    check(reread.isOk() && reread->step == training->step &&
              reread->vocabulary == training->vocabulary,
          "training metadata reads back as it was set");
  }
  return 0;
}
