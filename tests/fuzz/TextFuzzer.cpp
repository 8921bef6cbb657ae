//===- TextFuzzer.cpp - libFuzzer target: character-level text corpora ----===//
//
// liprt::loadText on arbitrary bytes (raw or gzip) at two train splits, then
// Examples::fromText for a few window lengths with the first and last
// training and held-out windows filled, and encode() of the text with its
// own vocabulary, which must give back the corpus's tokens.
//
//===----------------------------------------------------------------------===//

#include "FuzzInput.h"

#include "liprt/Data.h"
#include "liprt/Examples.h"

using namespace liprt;
using namespace lipc::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static InputFile file("corpus.txt");
  const std::string &path = file.write(data, size);
  for (double split : {0.9, 0.5}) {
    Result<TextCorpus> corpus = loadText(path, split);
    if (!corpus) {
      check(!corpus.status().message().empty(), "an error says what is wrong");
      return 0;
    }
    check(corpus->trainEnd <= corpus->tokens.size(), "the split lies inside the text");
    check(!corpus->vocabulary.empty() && corpus->vocabulary.size() <= 256, "a byte vocabulary");
    for (int32_t t : corpus->tokens)
      check(t >= 0 && static_cast<size_t>(t) < corpus->vocabulary.size(), "tokens index the vocabulary");
    if (split == 0.9) {
      Result<std::string> text = readMaybeGzip(path);
      check(text.isOk(), "a file that loads as text can be read");
      Result<std::vector<int32_t>> ids = encode(corpus->vocabulary, *text);
      check(ids.isOk() && *ids == corpus->tokens, "encoding the text gives its tokens");
    }
    for (int64_t seq : {1, 4, 32}) {
      StepTensor input;
      input.role = liprt::Role::Input;
      input.dtype = "i32";
      input.shape = {-1, seq};
      Result<Examples> examples = Examples::fromText(*corpus, input, 256);
      if (!examples)
        continue;
      std::vector<int32_t> window(seq), labels(seq);
      for (bool held : {false, true}) {
        int64_t count = held ? examples->heldOutCount() : examples->trainCount();
        for (int64_t index : {int64_t(0), count - 1})
          if (index >= 0 && index < count)
            examples->fill(held, index, window.data(), labels.data());
      }
    }
  }
  return 0;
}
