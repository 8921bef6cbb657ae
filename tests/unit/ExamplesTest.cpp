//===- ExamplesTest.cpp - Examples, batches and evaluation of the runtime -===//
//
// liprt::Examples (text windows and images in a model's layout),
// EpochSampler (shuffled epochs) and scoreLogits (the evaluation's loss and
// accuracy), without a compiled model.
//
//===----------------------------------------------------------------------===//

#include "liprt/Evaluate.h"
#include "liprt/Examples.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace liprt;

namespace {
StepTensor tensor(std::string dtype, std::vector<int64_t> shape) {
  StepTensor t;
  t.role = Role::Input;
  t.dtype = std::move(dtype);
  t.shape = std::move(shape);
  return t;
}

TextCorpus corpus(int n, size_t trainEnd) {
  TextCorpus c;
  c.vocabulary = "abcdefgh";
  for (int i = 0; i < n; ++i)
    c.tokens.push_back(i % 8);
  c.trainEnd = trainEnd;
  return c;
}

TEST(Examples, TextWindowsAndTheirNextTokens) {
  Result<Examples> e = Examples::fromText(corpus(40, 30), tensor("i32", {-1, 4}), 8);
  ASSERT_TRUE(bool(e)) << e.status().message();
  EXPECT_TRUE(e->isText());
  EXPECT_EQ(e->trainCount(), 26);  // starts 0..25: every window and its labels lie in [0, 30)
  EXPECT_EQ(e->heldOutCount(), 2); // (40 - 30 - 1) / 4 tiles
  int32_t input[4], labels[4];
  e->fill(false, 5, input, labels);
  EXPECT_EQ(std::vector<int32_t>(input, input + 4), (std::vector<int32_t>{5, 6, 7, 0}));
  EXPECT_EQ(std::vector<int32_t>(labels, labels + 4), (std::vector<int32_t>{6, 7, 0, 1}));
  e->fill(true, 1, input, labels); // held-out window 1 starts at 30 + 4
  EXPECT_EQ(input[0], 34 % 8);
  EXPECT_EQ(labels[3], 38 % 8);
}

TEST(Examples, TextErrors) {
  EXPECT_EQ(Examples::fromText(corpus(40, 30), tensor("i32", {-1, 4}), 6).status().message(),
            "the text has 8 distinct bytes (a token is a byte); the model's vocabulary has 6");
  EXPECT_EQ(Examples::fromText(corpus(40, 4), tensor("i32", {-1, 4}), 8).status().message(),
            "the training part of the text has 4 bytes; a window needs 5");
  EXPECT_FALSE(bool(Examples::fromText(corpus(40, 30), tensor("i32", {-1}), 8)));
}

ImageSet images(int count, int rows, int cols, int label) {
  ImageSet s;
  s.count = count;
  s.rows = rows;
  s.cols = cols;
  for (int i = 0; i < count * rows * cols; ++i)
    s.pixels.push_back(static_cast<float>(i));
  s.labels.assign(count, label);
  return s;
}

TEST(Examples, ImagesAndTheirChecks) {
  Result<Examples> e =
      Examples::fromImages(images(3, 2, 2, 1), images(2, 2, 2, 0), tensor("f32", {-1, 4}), 10);
  ASSERT_TRUE(bool(e)) << e.status().message();
  EXPECT_EQ(e->trainCount(), 3);
  EXPECT_EQ(e->heldOutCount(), 2);
  float x[4];
  int32_t y;
  e->fill(false, 2, x, &y);
  EXPECT_EQ(x[0], 8.0f);
  EXPECT_EQ(y, 1);
  EXPECT_EQ(Examples::fromImages(images(3, 2, 3, 1), {}, tensor("f32", {-1, 4}), 10)
                .status()
                .message(),
            "the data has 6 features per sample; the model takes 4");
  EXPECT_EQ(Examples::fromImages(images(3, 2, 2, 11), {}, tensor("f32", {-1, 4}), 10)
                .status()
                .message(),
            "the training data has label 11; the model has 10 classes");
  EXPECT_EQ(Examples::fromImages({}, {}, tensor("f32", {-1, 4}), 10).status().message(),
            "the data has no training samples");
}

/// `count` examples of two tokens of three features [3, 4, 0], [1, 1, 1]
/// (RMS 5/sqrt(3) = 2.887 and 1); example `big` has its first token doubled.
ImageSet twoTokens(int count, int big) {
  ImageSet s;
  s.count = count;
  s.rows = 2;
  s.cols = 3;
  for (int i = 0; i < count; ++i) {
    float f = i == big ? 2.0f : 1.0f;
    s.pixels.insert(s.pixels.end(), {3 * f, 4 * f, 0, 1, 1, 1});
  }
  s.labels.assign(count, 0);
  return s;
}

TEST(Examples, TokensBeyondTheInputRmsBound) {
  StepTensor input = tensor("f32", {-1, 2, 3});
  input.rmsBound = 3.0; // the doubled token (RMS 5.77) exceeds it, the others not
  Result<Examples> refused = Examples::fromImages(twoTokens(4, 2), {}, input, 2);
  ASSERT_FALSE(bool(refused));
  EXPECT_NE(refused.status().message().find("1 of 4 training examples have a token of RMS above "
                                            "the input's bound rms = 3 (largest 5.7735, first at "
                                            "example 2)"),
            std::string::npos)
      << refused.status().message();
  // Held-out examples are held to it too.
  EXPECT_FALSE(bool(Examples::fromImages(twoTokens(4, -1), twoTokens(3, 0), input, 2)));
  // Clipped: the token is scaled onto the bound, the rest untouched.
  Result<Examples> clipped = Examples::fromImages(twoTokens(4, 2), twoTokens(3, 1), input, 2, true);
  ASSERT_TRUE(bool(clipped)) << clipped.status().message();
  EXPECT_EQ(clipped->clippedCount(), 2);
  float x[6];
  int32_t y;
  clipped->fill(false, 2, x, &y);
  double rms = std::sqrt((x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) / 3);
  EXPECT_LE(rms, 3.0);
  EXPECT_NEAR(rms, 3.0, 1e-5);
  EXPECT_NEAR(x[0] / x[1], 0.75, 1e-6);
  EXPECT_EQ(x[3], 1.0f);
  clipped->fill(false, 1, x, &y);
  EXPECT_EQ(x[0], 3.0f);
  // Without a bound (an input declared without rms), nothing is checked.
  input.rmsBound = 0;
  EXPECT_TRUE(bool(Examples::fromImages(twoTokens(4, 2), {}, input, 2)));
}

TEST(EpochSampler, EachEpochIsAPermutationAndTheSeedFixesIt) {
  EpochSampler a(7, 42), b(7, 42), c(7, 43);
  std::vector<int64_t> first, second, other;
  for (int i = 0; i < 7; ++i)
    first.push_back(a.next());
  for (int i = 0; i < 7; ++i)
    second.push_back(a.next());
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(b.next(), first[i]);
    other.push_back(c.next());
  }
  std::vector<int64_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
  std::sort(second.begin(), second.end());
  EXPECT_EQ(second, sorted);
  EXPECT_NE(first, other);
}

TEST(Evaluate, ScoresLossAndAccuracyOfLogits) {
  // Two positions, three classes: the first predicts its label (class 2),
  // the second does not (argmax 0, label 1).
  std::vector<float> logits = {0, 1, 3, 2, 1, 0};
  int32_t labels[2] = {2, 1};
  Score score;
  // Margins: the first position 3 - 1 = 2; the second is wrong.
  scoreLogits(logits, labels, 2, {0.0, 1.5, 2.0, 2.5}, score);
  auto nll = [](double a, double b, double c, double target) {
    return std::log(std::exp(a) + std::exp(b) + std::exp(c)) - target;
  };
  EXPECT_NEAR(score.sumLoss, nll(0, 1, 3, 3) + nll(2, 1, 0, 1), 1e-12);
  EXPECT_EQ(score.correct, 1);
  // Certified at threshold 0 (= correct) and 1.5; not at 2 (not above) or 2.5.
  EXPECT_EQ(score.certified, (std::vector<int64_t>{1, 1, 0, 0}));
}

TEST(Evaluate, ARadiusBeyondTheInputDomainIsNotCertified) {
  // One correct prediction with margin 2; its input may move 0.05 before a
  // token leaves the input's RMS bound. Radius 0 (accuracy) always counts.
  std::vector<float> logits = {0, 1, 3};
  int32_t labels[1] = {2};
  std::vector<double> radii = {0.0, 0.01, 0.05, 0.1};
  double limit = 0.05;
  Score score;
  scoreLogits(logits, labels, 1, {0.0, 0.1, 0.1, 0.1}, score, &radii, &limit);
  EXPECT_EQ(score.certified, (std::vector<int64_t>{1, 1, 1, 0}));
  limit = -1e-7; // a token a rounding above the bound
  Score outside;
  scoreLogits(logits, labels, 1, {0.0, 0.1, 0.1, 0.1}, outside, &radii, &limit);
  EXPECT_EQ(outside.certified, (std::vector<int64_t>{1, 0, 0, 0}));
}
} // namespace
