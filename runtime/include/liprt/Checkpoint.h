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

/// Writes `checkpoint` to `path` atomically.
Status saveCheckpoint(const Checkpoint &checkpoint, const std::string &path);

/// Reads and validates a checkpoint: header size and JSON, dtypes, shapes,
/// offsets (in bounds, contiguous, covering the data exactly), finite values.
Result<Checkpoint> loadCheckpoint(const std::string &path);

/// Checks that `checkpoint` was written for the model `specHash` and holds
/// every tensor in `expected` (name -> shape) with that shape.
Status checkCompatible(const Checkpoint &checkpoint, const std::string &specHash,
                       const std::map<std::string, std::vector<int64_t>> &expected);

} // namespace liprt

#endif // LIPRT_CHECKPOINT_H
