//===- IdxFuzzer.cpp - libFuzzer target: IDX image and label files --------===//
//
// liprt::loadIdx on an image file and a label file cut from one input:
//   [2 bytes: the label file's length L, little-endian][L bytes: labels][images]
// (either file raw or gzip). A bad pair may only be an error Status; a pair
// that loads must be consistent (ImageChecks.h) and make examples the way
// `train` makes them from a Fashion-MNIST directory (train and held-out).
//
//===----------------------------------------------------------------------===//

#include "ImageChecks.h"

#include "liprt/Data.h"

using namespace liprt;
using namespace lipc::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static InputFile imagesFile("images-idx3-ubyte"), labelsFile("labels-idx1-ubyte");
  if (size < 2)
    return 0;
  size_t labelBytes = std::min<size_t>(data[0] | (data[1] << 8), size - 2);
  const std::string &labelsPath = labelsFile.write(data + 2, labelBytes);
  const std::string &imagesPath = imagesFile.write(data + 2 + labelBytes, size - 2 - labelBytes);
  Result<ImageSet> set = loadIdx(imagesPath, labelsPath);
  if (!set) {
    check(!set.status().message().empty(), "an error says what is wrong");
    return 0;
  }
  checkImageSet(*set, /*unitRange=*/true);
  ImageSet heldOut = *set;
  exerciseExamples(std::move(*set), std::move(heldOut));
  return 0;
}
