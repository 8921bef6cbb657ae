//===- Examples.h - Training and held-out examples in a model's layout ----===//
//
// What `train` and `eval` feed a compiled model: images (IDX or CSV) for a
// model of features, windows of a character corpus for a model of tokens.
// Every example has an index; the training indices are visited in shuffled
// epochs drawn from the seed, so a run's batches are a function of (seed,
// batch size, step) and a resumed run sees the batches an uninterrupted one
// would.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_EXAMPLES_H
#define LIPRT_EXAMPLES_H

#include "liprt/StepManifest.h"
#include "liprt/Data.h"

#include <random>

namespace liprt {

class Examples {
public:
  /// Images: `train` and `heldOut` (which may be empty) must have as many
  /// pixels per image as `input` (f32, [-1, ...]) takes per sample; the
  /// labels are one class per image, below `classes`. Tokens beyond the
  /// input's RMS bound are an error, or scaled onto it with
  /// `clipToRmsBound` (loadExamples says more).
  static Result<Examples> fromImages(ImageSet train, ImageSet heldOut, const StepTensor &input,
                                     int64_t classes, bool clipToRmsBound = false);

  /// Text: `input` and the labels are i32 [-1, seq]; an example is a window
  /// of seq tokens and the seq tokens after each. Training windows start
  /// anywhere in the training part; held-out windows tile the rest. The
  /// corpus's vocabulary must fit the model's `classes`.
  static Result<Examples> fromText(TextCorpus corpus, const StepTensor &input, int64_t classes);

  bool isText() const { return text_; }
  const std::string &vocabulary() const { return corpus_.vocabulary; }
  int64_t trainCount() const { return trainCount_; }
  int64_t heldOutCount() const { return heldOutCount_; }
  /// Elements of one example's input and labels.
  int64_t inputElements() const { return inputElements_; }
  /// Features per token of a feature example (its input's last extent): the
  /// unit of the input's max-token RMS norm.
  int64_t tokenWidth() const { return tokenWidth_; }
  int64_t labelElements() const { return labelElements_; }
  size_t inputBytes() const { return inputElements_ * (text_ ? sizeof(int32_t) : sizeof(float)); }
  /// Feature examples scaled onto the input's RMS bound (the spec's
  /// `clip = true`), training and held-out.
  int64_t clippedCount() const { return clippedCount_; }

  /// Writes example `index` of the training or held-out part at `input`
  /// and `labels`.
  void fill(bool heldOut, int64_t index, void *input, int32_t *labels) const;

private:
  Examples() = default;

  bool text_ = false;
  ImageSet train_, heldOut_;
  TextCorpus corpus_;
  int64_t trainCount_ = 0, heldOutCount_ = 0, inputElements_ = 0, labelElements_ = 1;
  int64_t clippedCount_ = 0, tokenWidth_ = 0;
};

/// The examples at `path` (empty: the spec's data; Debian's Fashion-MNIST
/// for `fashion_mnist`) in the layout of a model taking `input` with
/// `classes` classes: a text corpus for a model of tokens; a directory of
/// Fashion-MNIST IDX files (train-* to train, t10k-* held out; pixels / 255)
/// or a CSV file (split, label column and feature scale as the spec says)
/// for a model of features. Feature examples must respect the input's RMS
/// bound, which the certificate assumes: one beyond it is an error, or, with
/// the spec's `clip = true`, scaled onto it and counted.
Result<Examples> loadExamples(const StepTensor &input, int64_t classes, const TrainDefaults &spec,
                              const std::string &path);

/// Training indices in shuffled epochs of [0, count).
class EpochSampler {
public:
  EpochSampler(int64_t count, uint64_t seed);
  int64_t next();

private:
  std::mt19937_64 rng_;
  std::vector<int64_t> order_;
  size_t cursor_;
};

} // namespace liprt

#endif // LIPRT_EXAMPLES_H
