//===- Data.h - Training data: text corpora and image classification ------===//
//
// Loaders for the data sets lipc trains on: character-level text (the
// vocabulary is the file's distinct bytes, sorted), IDX image files as
// Fashion-MNIST ships them, and CSV rows of features and a label. Files may
// be gzip-compressed. Malformed input is an error naming the file and, where
// there is one, the line.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_DATA_H
#define LIPRT_DATA_H

#include "liprt/Status.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace liprt {

/// The most bytes a data file may hold, decompressed: a corpus or an image
/// set, with the tokens or floats made from it, must fit in memory.
constexpr uint64_t kMaxDataBytes = uint64_t(2) << 30;

/// A regular file's bytes, decompressed when it starts with the gzip magic;
/// more than `limit` bytes (before or after decompression) is an error.
Result<std::string> readMaybeGzip(const std::string &path, uint64_t limit = kMaxDataBytes);

struct TextCorpus {
  /// The distinct bytes of the file in increasing order; a token is an index.
  std::string vocabulary;
  std::vector<int32_t> tokens;
  /// tokens[0, trainEnd) train, the rest validation (in file order).
  size_t trainEnd = 0;
};

/// Byte-level text, split `trainFraction` / rest in file order: a token is
/// a byte, whatever the encoding (ASCII text is character-level; a UTF-8
/// character of several bytes is several tokens, and any bytes, valid UTF-8
/// or not, can be trained on and sampled back exactly).
Result<TextCorpus> loadText(const std::string &path, double trainFraction);

/// Encodes `text` with an existing vocabulary (e.g. a sampling prompt).
Result<std::vector<int32_t>> encode(const std::string &vocabulary, const std::string &text);

struct ImageSet {
  int64_t count = 0, rows = 0, cols = 0;
  /// Pixels scaled to [0, 1], count x rows x cols.
  std::vector<float> pixels;
  std::vector<int32_t> labels;
  int32_t classes = 0;
};

/// The first `trainFraction` of `set` (at least one image) and the rest, in
/// file order.
std::pair<ImageSet, ImageSet> splitImages(const ImageSet &set, double trainFraction);

/// IDX images (magic 0x00000803) and labels (0x00000801), raw or gzip.
Result<ImageSet> loadIdx(const std::string &imagesPath, const std::string &labelsPath);

/// The largest class a CSV label may name: a model's widths stop at 2^20.
constexpr int64_t kMaxClassLabel = (int64_t(1) << 20) - 1;

/// CSV rows of numbers; `labelColumn` (negative: from the end) is the class,
/// the other columns the features, as written (float32; a value beyond its
/// range is an error): scaling is the spec's explicit csv(..., scale = s).
Result<ImageSet> loadCsv(const std::string &path, int labelColumn = -1);

} // namespace liprt

#endif // LIPRT_DATA_H
