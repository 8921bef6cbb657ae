//===- ImageChecks.h - What a loaded ImageSet promises, checked -----------===//
//
// Shared by the IDX and CSV fuzz targets: a set that loads is consistent
// (one label per image, count x rows x cols finite pixels, in [0, 1] for
// IDX), and makes examples the way loadExamples does for a model that takes
// its shape, whose first and last examples can be filled.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_TESTS_FUZZ_IMAGECHECKS_H
#define LIPC_TESTS_FUZZ_IMAGECHECKS_H

#include "FuzzInput.h"

#include "liprt/Examples.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lipc::fuzz {

/// `unitRange`: pixels lie in [0, 1] (IDX bytes / 255); else only finite.
inline void checkImageSet(const liprt::ImageSet &set, bool unitRange) {
  check(set.count >= 0 && set.rows >= 0 && set.cols >= 0, "sizes are not negative");
  int64_t pixels = 0;
  check(!__builtin_mul_overflow(set.count, set.rows, &pixels) &&
            !__builtin_mul_overflow(pixels, set.cols, &pixels),
        "count x rows x cols fits in int64");
  check(static_cast<int64_t>(set.pixels.size()) == pixels, "count x rows x cols pixels");
  check(static_cast<int64_t>(set.labels.size()) == set.count, "one label per image");
  int32_t classes = 0;
  for (int32_t l : set.labels) {
    check(l >= 0, "labels are not negative");
    classes = std::max(classes, l + 1);
  }
  check(classes == set.classes, "classes is one more than the largest label");
  for (float p : set.pixels)
    check(std::isfinite(p) && (!unitRange || (p >= 0 && p <= 1)), "pixels are finite and scaled");
}

/// Examples of `train` and `heldOut` for a model of features [batch, rows,
/// cols] with the data's classes; fills the first and last of each part.
/// Where no spec could declare that shape (a size beyond the front end's
/// limits, lipspec/Limits.h), the model takes 28 x 28 images instead.
inline void exerciseExamples(liprt::ImageSet train, liprt::ImageSet heldOut) {
  constexpr int64_t kMaxDimension = 1 << 20, kMaxElements = int64_t(1) << 30;
  liprt::StepTensor input;
  input.role = liprt::Role::Input;
  input.dtype = "f32";
  int64_t rows = std::max<int64_t>(train.rows, 1), cols = std::max<int64_t>(train.cols, 1);
  if (rows <= kMaxDimension && cols <= kMaxDimension && rows * cols <= kMaxElements)
    input.shape = {-1, rows, cols};
  else
    input.shape = {-1, 28, 28};
  int64_t classes = std::max(train.classes, heldOut.classes);
  liprt::Result<liprt::Examples> examples =
      liprt::Examples::fromImages(std::move(train), std::move(heldOut), input, classes);
  if (!examples)
    return;
  std::vector<float> pixels(examples->inputElements());
  int32_t label = 0;
  for (bool held : {false, true}) {
    int64_t count = held ? examples->heldOutCount() : examples->trainCount();
    if (count == 0)
      continue;
    examples->fill(held, 0, pixels.data(), &label);
    examples->fill(held, count - 1, pixels.data(), &label);
    check(label >= 0 && label < classes, "a filled label is one of the classes");
  }
}

} // namespace lipc::fuzz

#endif // LIPC_TESTS_FUZZ_IMAGECHECKS_H
