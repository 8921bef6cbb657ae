//===- Data.cpp - Training data: text corpora and image classification ----===//

#include "liprt/Data.h"

#include "liprt/Files.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>

#include <zlib.h>

namespace liprt {

Result<std::string> readMaybeGzip(const std::string &path, uint64_t limit) {
  Result<std::string> file = readFile(path, "data file", limit);
  if (!file)
    return file.status();
  std::string &bytes = *file;
  if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != 0x1f ||
      static_cast<unsigned char>(bytes[1]) != 0x8b)
    return std::move(bytes);
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    return Status::error("cannot decompress '" + path + "': zlib failed to start");
  z.next_in = reinterpret_cast<Bytef *>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  std::array<char, 1 << 16> chunk;
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef *>(chunk.data());
    z.avail_out = chunk.size();
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0)
      break;
    // A small file can inflate without end (a gzip bomb): stop at the limit.
    if (out.size() > limit) {
      inflateEnd(&z);
      return Status::error("'" + path + "' decompresses to more than the " +
                           std::to_string(limit) + " bytes lipc reads from a data file");
    }
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END)
    return Status::error("'" + path + "' is not a valid gzip file (" +
                         (rc == Z_BUF_ERROR ? std::string("truncated") : std::string("corrupt data")) +
                         ")");
  return out;
}

Result<TextCorpus> loadText(const std::string &path, double trainFraction) {
  Result<std::string> text = readMaybeGzip(path);
  if (!text)
    return text.status();
  if (text->size() < 2)
    return Status::error("'" + path + "' holds " + std::to_string(text->size()) +
                         " bytes: too little text to train on");
  if (!(trainFraction > 0 && trainFraction < 1))
    return Status::error("the train split must lie strictly between 0 and 1");
  std::array<bool, 256> seen{};
  for (char c : *text)
    seen[static_cast<unsigned char>(c)] = true;
  TextCorpus corpus;
  std::array<int32_t, 256> index{};
  for (int b = 0; b < 256; ++b)
    if (seen[b]) {
      index[b] = static_cast<int32_t>(corpus.vocabulary.size());
      corpus.vocabulary += static_cast<char>(b);
    }
  corpus.tokens.reserve(text->size());
  for (char c : *text)
    corpus.tokens.push_back(index[static_cast<unsigned char>(c)]);
  corpus.trainEnd = static_cast<size_t>(std::floor(trainFraction * corpus.tokens.size()));
  return corpus;
}

std::pair<ImageSet, ImageSet> splitImages(const ImageSet &set, double trainFraction) {
  int64_t trainCount = std::clamp<int64_t>(
      static_cast<int64_t>(std::floor(trainFraction * set.count)), 1, set.count);
  int64_t perImage = set.rows * set.cols;
  auto part = [&](int64_t begin, int64_t end) {
    ImageSet p;
    p.count = end - begin;
    p.rows = set.rows;
    p.cols = set.cols;
    p.classes = set.classes;
    p.pixels.assign(set.pixels.begin() + begin * perImage, set.pixels.begin() + end * perImage);
    p.labels.assign(set.labels.begin() + begin, set.labels.begin() + end);
    return p;
  };
  return {part(0, trainCount), part(trainCount, set.count)};
}

Result<std::vector<int32_t>> encode(const std::string &vocabulary, const std::string &text) {
  std::vector<int32_t> ids;
  for (char c : text) {
    size_t at = vocabulary.find(c);
    if (at == std::string::npos) {
      char shown[8];
      std::snprintf(shown, sizeof(shown), std::isprint(static_cast<unsigned char>(c)) ? "'%c'" : "0x%02x",
                    std::isprint(static_cast<unsigned char>(c)) ? c : static_cast<unsigned char>(c));
      return Status::error(std::string("byte ") + shown + " is not in the model's vocabulary");
    }
    ids.push_back(static_cast<int32_t>(at));
  }
  return ids;
}

namespace {
uint32_t bigEndian32(const std::string &s, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3]));
}
} // namespace

Result<ImageSet> loadIdx(const std::string &imagesPath, const std::string &labelsPath) {
  Result<std::string> images = readMaybeGzip(imagesPath);
  if (!images)
    return images.status();
  Result<std::string> labels = readMaybeGzip(labelsPath);
  if (!labels)
    return labels.status();
  if (images->size() < 16 || bigEndian32(*images, 0) != 0x803)
    return Status::error("'" + imagesPath + "' is not an IDX image file (expected magic 0x00000803)");
  if (labels->size() < 8 || bigEndian32(*labels, 0) != 0x801)
    return Status::error("'" + labelsPath + "' is not an IDX label file (expected magic 0x00000801)");
  ImageSet set;
  set.count = bigEndian32(*images, 4);
  set.rows = bigEndian32(*images, 8);
  set.cols = bigEndian32(*images, 12);
  // Each extent is below 2^32, so rows * cols fits; times the count it may
  // not (a header claiming 2^64 pixels would wrap to a small number).
  uint64_t pixels = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(set.rows) * set.cols,
                             static_cast<uint64_t>(set.count), &pixels))
    return Status::error("'" + imagesPath + "' claims " + std::to_string(set.count) + " images of " +
                         std::to_string(set.rows) + " x " + std::to_string(set.cols) +
                         " pixels: more than any file holds");
  if (images->size() - 16 != pixels)
    return Status::error("'" + imagesPath + "' should hold " + std::to_string(pixels) +
                         " pixel bytes after its header, found " +
                         std::to_string(images->size() - 16) + " (truncated?)");
  if (bigEndian32(*labels, 4) != set.count || labels->size() - 8 != static_cast<uint64_t>(set.count))
    return Status::error("'" + labelsPath + "' does not hold one label for each of the " +
                         std::to_string(set.count) + " images");
  set.pixels.resize(pixels);
  for (uint64_t i = 0; i < pixels; ++i)
    set.pixels[i] = static_cast<unsigned char>((*images)[16 + i]) / 255.0f;
  for (int64_t i = 0; i < set.count; ++i) {
    set.labels.push_back(static_cast<unsigned char>((*labels)[8 + i]));
    set.classes = std::max(set.classes, set.labels.back() + 1);
  }
  return set;
}

Result<ImageSet> loadCsv(const std::string &path, int labelColumn) {
  Result<std::string> text = readMaybeGzip(path);
  if (!text)
    return text.status();
  std::istringstream lines(*text);
  std::string line;
  ImageSet set;
  size_t columns = 0, lineNumber = 0;
  std::vector<double> features;
  while (std::getline(lines, line)) {
    ++lineNumber;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    std::vector<double> row;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) {
      char *end = nullptr;
      double v = std::strtod(field.c_str(), &end);
      if (field.empty() || *end != '\0' || !std::isfinite(v))
        return Status::error(path + ":" + std::to_string(lineNumber) + ": field '" + field +
                             "' is not a number");
      if (std::fabs(v) > std::numeric_limits<float>::max())
        return Status::error(path + ":" + std::to_string(lineNumber) + ": field '" + field +
                             "' is beyond float32's range");
      row.push_back(v);
    }
    if (columns == 0)
      columns = row.size();
    if (row.size() != columns || columns < 2)
      return Status::error(path + ":" + std::to_string(lineNumber) + ": " +
                           std::to_string(row.size()) + " fields, expected " +
                           std::to_string(columns));
    size_t label = labelColumn < 0 ? columns + labelColumn : static_cast<size_t>(labelColumn);
    if (label >= columns)
      return Status::error("label column " + std::to_string(labelColumn) + " is outside the " +
                           std::to_string(columns) + " columns of '" + path + "'");
    if (row[label] < 0 || row[label] > kMaxClassLabel || row[label] != std::floor(row[label]))
      return Status::error(path + ":" + std::to_string(lineNumber) +
                           ": the label must be a whole number from 0 to " +
                           std::to_string(kMaxClassLabel));
    set.labels.push_back(static_cast<int32_t>(row[label]));
    set.classes = std::max(set.classes, set.labels.back() + 1);
    for (size_t c = 0; c < columns; ++c)
      if (c != label)
        features.push_back(row[c]);
  }
  if (set.labels.empty())
    return Status::error("'" + path + "' has no rows");
  set.count = static_cast<int64_t>(set.labels.size());
  set.rows = 1;
  set.cols = static_cast<int64_t>(columns - 1);
  for (double v : features)
    set.pixels.push_back(static_cast<float>(v));
  return set;
}

} // namespace liprt
