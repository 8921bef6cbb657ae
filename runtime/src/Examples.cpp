//===- Examples.cpp - Training and held-out examples in a model's layout --===//

#include "liprt/Examples.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>

using namespace liprt;

namespace {
constexpr const char *kDebianFashionMnist = "/usr/share/datasets/fashion-mnist";

// The non-throwing forms: a path that cannot be looked at (too long, in a
// directory that cannot be searched) counts as absent, and the read that
// follows names the error.
bool exists(const std::string &path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}
bool isDirectory(const std::string &path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

/// Multiplies a CSV's features by the spec's scale.
Status scaleFeatures(ImageSet &set, double scale) {
  if (scale == 1)
    return Status::ok();
  for (float &v : set.pixels) {
    v = static_cast<float>(v * scale);
    if (!std::isfinite(v))
      return Status::error("a feature times the spec's scale " + std::to_string(scale) +
                           " is beyond float32's range");
  }
  return Status::ok();
}

/// Holds every token (`width` consecutive features) of `set` to RMS <=
/// `bound`: counts and rescales those beyond it when `clip` (to 1e-6 below
/// the bound, so that float32 rounding cannot leave one above it), else
/// reports them.
Status boundTokenRms(ImageSet &set, int64_t width, double bound, bool clip, int64_t &clipped,
                     const char *part) {
  int64_t perExample = set.rows * set.cols, over = 0, first = -1;
  double largest = 0;
  for (int64_t e = 0; e < set.count; ++e) {
    bool exceeded = false;
    for (int64_t t = 0; t < perExample / width; ++t) {
      float *token = &set.pixels[e * perExample + t * width];
      double sum = 0;
      for (int64_t i = 0; i < width; ++i)
        sum += static_cast<double>(token[i]) * token[i];
      double rms = std::sqrt(sum / width);
      if (rms <= bound)
        continue;
      exceeded = true;
      largest = std::max(largest, rms);
      if (clip)
        for (int64_t i = 0; i < width; ++i)
          token[i] = static_cast<float>(token[i] * (bound * (1 - 1e-6) / rms));
    }
    over += exceeded;
    if (exceeded && first < 0)
      first = e;
  }
  if (over && !clip) {
    char text[256];
    std::snprintf(text, sizeof(text),
                  "%lld of %lld %s examples have a token of RMS above the input's bound rms = %g "
                  "(largest %.6g, first at example %lld), which the certificate assumes; scale the "
                  "features (csv(..., scale = s)) or clip them (clip = true in the data setting)",
                  static_cast<long long>(over), static_cast<long long>(set.count), part, bound,
                  largest, static_cast<long long>(first));
    return Status::error(text);
  }
  clipped += over;
  return Status::ok();
}

/// Path/name, or path/name.gz when only the compressed file exists.
std::string idxFile(const std::string &dir, const std::string &name) {
  std::string plain = dir + "/" + name;
  return exists(plain) ? plain : plain + ".gz";
}

Result<std::pair<ImageSet, ImageSet>> loadImages(const std::string &path,
                                                 const TrainDefaults &spec) {
  if (!isDirectory(path)) {
    Result<ImageSet> all = loadCsv(path, spec.labelColumn);
    if (!all)
      return all.status();
    if (Status s = scaleFeatures(*all, spec.featureScale); !s)
      return s;
    return splitImages(*all, spec.split);
  }
  Result<ImageSet> train = loadIdx(idxFile(path, "train-images-idx3-ubyte"),
                                   idxFile(path, "train-labels-idx1-ubyte"));
  if (!train)
    return train.status();
  std::string testImages = idxFile(path, "t10k-images-idx3-ubyte");
  if (!exists(testImages))
    return std::pair{std::move(*train), ImageSet{}};
  Result<ImageSet> test = loadIdx(testImages, idxFile(path, "t10k-labels-idx1-ubyte"));
  if (!test)
    return test.status();
  return std::pair{std::move(*train), std::move(*test)};
}

Status checkLabels(const ImageSet &images, int64_t classes, const char *part) {
  for (int64_t i = 0; i < images.count; ++i)
    if (images.labels[i] < 0 || images.labels[i] >= classes)
      return Status::error(std::string("the ") + part + " data has label " +
                           std::to_string(images.labels[i]) + "; the model has " +
                           std::to_string(classes) + " classes");
  return Status::ok();
}
} // namespace

Result<Examples> Examples::fromImages(ImageSet train, ImageSet heldOut, const StepTensor &input,
                                      int64_t classes, bool clipToRmsBound) {
  Examples e;
  e.inputElements_ = input.elements(1);
  e.tokenWidth_ = input.shape.size() >= 2 ? input.shape.back() : e.inputElements_;
  for (const ImageSet *images : {&train, &heldOut})
    if (images->count && images->rows * images->cols != e.inputElements_)
      return Status::error("the data has " + std::to_string(images->rows * images->cols) +
                           " features per sample; the model takes " +
                           std::to_string(e.inputElements_));
  if (train.count == 0)
    return Status::error("the data has no training samples");
  if (Status s = checkLabels(train, classes, "training"); !s)
    return s;
  if (Status s = checkLabels(heldOut, classes, "held-out"); !s)
    return s;
  if (input.rmsBound > 0) {
    for (auto [images, part] : {std::pair{&train, "training"}, std::pair{&heldOut, "held-out"}})
      if (Status s = boundTokenRms(*images, e.tokenWidth_, input.rmsBound, clipToRmsBound, e.clippedCount_,
                                   part);
          !s)
        return s;
  }
  e.trainCount_ = train.count;
  e.heldOutCount_ = heldOut.count;
  e.train_ = std::move(train);
  e.heldOut_ = std::move(heldOut);
  return e;
}

Result<Examples> Examples::fromText(TextCorpus corpus, const StepTensor &input, int64_t classes) {
  Examples e;
  e.text_ = true;
  int64_t seq = input.shape.size() == 2 ? input.shape[1] : 0;
  if (seq <= 0)
    return Status::error("text data needs a model taking token sequences [batch, seq]");
  if (static_cast<int64_t>(corpus.vocabulary.size()) > classes)
    return Status::error("the text has " + std::to_string(corpus.vocabulary.size()) +
                         " distinct bytes (a token is a byte); the model's vocabulary has " +
                         std::to_string(classes));
  int64_t trainEnd = static_cast<int64_t>(corpus.trainEnd);
  int64_t total = static_cast<int64_t>(corpus.tokens.size());
  // A window needs seq + 1 tokens: its inputs and, one further, its labels.
  if (trainEnd < seq + 1)
    return Status::error("the training part of the text has " + std::to_string(trainEnd) +
                         " bytes; a window needs " + std::to_string(seq + 1));
  e.trainCount_ = trainEnd - seq;
  e.heldOutCount_ = std::max<int64_t>(0, (total - trainEnd - 1) / seq);
  e.inputElements_ = e.labelElements_ = seq;
  e.corpus_ = std::move(corpus);
  return e;
}

void Examples::fill(bool heldOut, int64_t index, void *input, int32_t *labels) const {
  if (text_) {
    int64_t start = heldOut ? static_cast<int64_t>(corpus_.trainEnd) + index * inputElements_ : index;
    const int32_t *tokens = corpus_.tokens.data() + start;
    std::memcpy(input, tokens, inputElements_ * sizeof(int32_t));
    std::memcpy(labels, tokens + 1, inputElements_ * sizeof(int32_t));
    return;
  }
  const ImageSet &images = heldOut ? heldOut_ : train_;
  std::memcpy(input, &images.pixels[index * inputElements_], inputElements_ * sizeof(float));
  *labels = images.labels[index];
}

EpochSampler::EpochSampler(int64_t count, uint64_t seed)
    : rng_(seed), order_(count), cursor_(order_.size()) {
  std::iota(order_.begin(), order_.end(), 0);
}

int64_t EpochSampler::next() {
  if (cursor_ == order_.size()) {
    std::shuffle(order_.begin(), order_.end(), rng_);
    cursor_ = 0;
  }
  return order_[cursor_++];
}

Result<Examples> liprt::loadExamples(const StepTensor &input, int64_t classes,
                                     const TrainDefaults &spec, const std::string &path) {
  std::string source = path;
  if (source.empty())
    source = spec.dataKind == "fashion_mnist" && spec.dataPath.empty() ? kDebianFashionMnist
                                                                       : spec.dataPath;
  if (source.empty())
    return Status::error("the spec names no data file; give --data PATH");
  if (input.dtype == "i32") {
    Result<TextCorpus> corpus = loadText(source, spec.split);
    if (!corpus)
      return corpus.status();
    return Examples::fromText(std::move(*corpus), input, classes);
  }
  Result<std::pair<ImageSet, ImageSet>> images = loadImages(source, spec);
  if (!images)
    return images.status();
  Result<Examples> examples =
      Examples::fromImages(std::move(images->first), std::move(images->second), input, classes,
                           spec.clipToRmsBound);
  if (!examples)
    return Status::error("'" + source + "': " + examples.status().message());
  return examples;
}
