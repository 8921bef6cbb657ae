//===- Checkpoint.h - Checkpoints in the safetensors format ---------------===//
//
// A checkpoint holds named tensors (float32 or float64, row-major) and
// string metadata (spec hash, step, vocabulary, bounds, ...), in the
// safetensors layout: 8-byte little-endian header length, a JSON header
// {"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}, then
// the data. Writes are atomic (temporary file, fsync, rename), so a crash
// never leaves a half-written checkpoint in place of a good one; loads
// validate everything and say what is wrong.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_CHECKPOINT_H
#define LIPRT_CHECKPOINT_H

#include "liprt/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace liprt {

enum class DType { F32, F64 };

struct StoredTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// The values, widened to double in memory.
  std::vector<double> values;
};

struct Checkpoint {
  std::map<std::string, StoredTensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// The most steps a run takes (the limit of --steps), and so the largest
/// step a checkpoint may record.
constexpr int64_t kMaxSteps = 1000000000;

/// Writes `checkpoint` to `path` atomically. `path` must be absent or a
/// regular file (never a device or a directory to be replaced).
Status saveCheckpoint(const Checkpoint &checkpoint, const std::string &path);

/// Whether `checkpoint` could be saved at `path`, checked at the start of a
/// run rather than found at its end: writes the temporary file a save
/// writes, complete and synced, then removes it; `path` is left alone.
Status checkCheckpointWritable(const Checkpoint &checkpoint, const std::string &path);

/// Reads and validates a checkpoint: a regular file, header size, UTF-8 and
/// JSON, names given once, dtypes, shapes, offsets (in bounds, contiguous,
/// covering the data exactly), finite values.
Result<Checkpoint> loadCheckpoint(const std::string &path);

/// What a compiled model expects of its checkpoints.
struct CheckpointSchema {
  std::string specHash;
  /// Every tensor (F32), by name.
  std::map<std::string, std::vector<int64_t>> shapes;
  /// For a model of tokens, its classes, which bound the vocabulary; 0 for
  /// a model of features, whose checkpoints hold none.
  int64_t vocabularyLimit = 0;
};

/// What a checkpoint of a compiled model records besides its tensors.
struct TrainingMetadata {
  int64_t step = 0;
  /// The training text's distinct bytes in increasing order (a token is an
  /// index); empty for a model of features.
  std::string vocabulary;
  /// The run's schedule overrides (train --lr and --horizon), so that a
  /// resumed run goes on with them: the factor on every learning rate, and
  /// the schedule's length (0: the spec's steps).
  double lrScale = 1;
  int64_t horizon = 0;
};

/// Records `training` in the checkpoint's metadata: the vocabulary as one
/// character U+0000-U+00FF per byte, so the header stays UTF-8 whatever the
/// text's bytes.
void setTrainingMetadata(Checkpoint &checkpoint, const TrainingMetadata &training);

/// The step a checkpoint was written at: its `step` metadata, a decimal
/// count up to kMaxSteps; an error when absent or anything else.
Result<int64_t> checkpointStep(const Checkpoint &checkpoint);

/// Checks everything a model takes from `checkpoint` against `schema`: the
/// spec hash; each tensor's name, dtype and shape, none missing or extra;
/// the step (a decimal count up to kMaxSteps); the vocabulary (for tokens:
/// distinct bytes, ascending, at most vocabularyLimit; none for features).
/// Returns the step and vocabulary.
Result<TrainingMetadata> checkCompatible(const Checkpoint &checkpoint,
                                         const CheckpointSchema &schema);

} // namespace liprt

#endif // LIPRT_CHECKPOINT_H
