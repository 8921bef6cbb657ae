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

/// A file's bytes, decompressed when it starts with the gzip magic.
Result<std::string> readMaybeGzip(const std::string &path);

struct TextCorpus {
  /// The distinct bytes of the file in increasing order; a token is an index.
  std::string vocabulary;
  std::vector<int32_t> tokens;
  /// tokens[0, trainEnd) train, the rest validation (in file order).
  size_t trainEnd = 0;
};

/// Character-level text, split `trainFraction` / rest in file order.
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

/// CSV rows of numbers; `labelColumn` (negative: from the end) is the class,
/// the other columns the features, scaled by the largest feature value.
Result<ImageSet> loadCsv(const std::string &path, int labelColumn = -1);

} // namespace liprt

#endif // LIPRT_DATA_H
