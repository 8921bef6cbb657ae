//===- CsvFuzzer.cpp - libFuzzer target: CSV rows of features and a label -===//
//
// liprt::loadCsv on arbitrary bytes (raw or gzip), with the label in the
// last column (the default) and in the first. A bad file may only be an
// error Status; a set that loads must be consistent (ImageChecks.h) and
// make examples the way `train` makes them from a CSV file (splitImages at
// the spec's default split, then Examples).
//
//===----------------------------------------------------------------------===//

#include "ImageChecks.h"

#include "liprt/Data.h"

using namespace liprt;
using namespace lipc::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static InputFile file("data.csv");
  const std::string &path = file.write(data, size);
  for (int labelColumn : {-1, 0}) {
    Result<ImageSet> set = loadCsv(path, labelColumn);
    if (!set) {
      check(!set.status().message().empty(), "an error says what is wrong");
      continue;
    }
    check(set->count > 0 && set->rows == 1 && set->cols >= 1, "rows of at least one feature");
    checkImageSet(*set, /*unitRange=*/false);
    auto [train, heldOut] = splitImages(*set, TrainDefaults{}.split);
    check(train.count >= 1 && train.count + heldOut.count == set->count,
          "the split keeps every row and at least one for training");
    exerciseExamples(std::move(train), std::move(heldOut));
  }
  return 0;
}
