//===- DataTest.cpp - Text, IDX and CSV loaders, good files and bad -------===//

#include "liprt/Data.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>
#include <zlib.h>

using namespace liprt;

namespace {
std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() /
          ("lipc-data-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

void writeFile(const std::string &path, const std::string &bytes, bool gzip = false) {
  if (!gzip) {
    std::ofstream(path, std::ios::binary) << bytes;
    return;
  }
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

/// A 3-image 2x2 IDX pair.
std::pair<std::string, std::string> idxFiles() {
  std::string images = be32(0x803) + be32(3) + be32(2) + be32(2);
  for (int i = 0; i < 12; ++i)
    images += static_cast<char>(i * 20);
  std::string labels = be32(0x801) + be32(3) + std::string("\x01\x00\x07", 3);
  return {images, labels};
}

TEST(Data, TinyShakespeare) {
  std::string path = std::string(LIPC_SHARED_DATA) + "/tinyshakespeare.txt";
  if (!std::filesystem::exists(path))
    GTEST_SKIP() << "no " << path << " on this machine";
  Result<TextCorpus> corpus = loadText(path, 0.9);
  ASSERT_TRUE(corpus.isOk()) << corpus.status().message();
  EXPECT_EQ(corpus->vocabulary.size(), 65u);
  EXPECT_EQ(corpus->tokens.size(), 1115394u);
  EXPECT_EQ(corpus->trainEnd, 1003854u) << "first 90% in file order";
  EXPECT_EQ(corpus->vocabulary[corpus->tokens[0]], 'F') << "First Citizen:";
}

TEST(Data, EncodeAndVocabulary) {
  std::string path = tempPath("text.txt");
  writeFile(path, "hello world", /*gzip=*/true);
  Result<TextCorpus> corpus = loadText(path, 0.5);
  ASSERT_TRUE(corpus.isOk());
  EXPECT_EQ(corpus->vocabulary, " dehlorw");
  Result<std::vector<int32_t>> ids = encode(corpus->vocabulary, "hold");
  ASSERT_TRUE(ids.isOk());
  EXPECT_EQ(*ids, (std::vector<int32_t>{3, 5, 4, 1}));
  Result<std::vector<int32_t>> bad = encode(corpus->vocabulary, "hex");
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(), "character 'x' is not in the model's vocabulary");
  std::remove(path.c_str());
}

TEST(Data, Digits) {
  std::string path = std::string(LIPC_SHARED_DATA) + "/digits.csv.gz";
  if (!std::filesystem::exists(path))
    GTEST_SKIP() << "no " << path << " on this machine";
  Result<ImageSet> digits = loadCsv(path);
  ASSERT_TRUE(digits.isOk()) << digits.status().message();
  EXPECT_EQ(digits->count, 1797);
  EXPECT_EQ(digits->cols, 64);
  EXPECT_EQ(digits->classes, 10);
  EXPECT_EQ(*std::max_element(digits->pixels.begin(), digits->pixels.end()), 1.0f);
}

TEST(Data, FashionMnistFromDebian) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  if (!std::filesystem::exists(dir + "t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  Result<ImageSet> test = loadIdx(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz");
  ASSERT_TRUE(test.isOk()) << test.status().message();
  EXPECT_EQ(test->count, 10000);
  EXPECT_EQ(test->rows, 28);
  EXPECT_EQ(test->cols, 28);
  EXPECT_EQ(test->classes, 10);
}

TEST(Data, IdxRawAndGzip) {
  auto [images, labels] = idxFiles();
  for (bool gzip : {false, true}) {
    std::string ip = tempPath("i.idx"), lp = tempPath("l.idx");
    writeFile(ip, images, gzip);
    writeFile(lp, labels, gzip);
    Result<ImageSet> set = loadIdx(ip, lp);
    ASSERT_TRUE(set.isOk()) << set.status().message();
    EXPECT_EQ(set->count, 3);
    EXPECT_EQ(set->labels, (std::vector<int32_t>{1, 0, 7}));
    EXPECT_EQ(set->classes, 8);
    EXPECT_FLOAT_EQ(set->pixels[11], 220 / 255.0f);
    std::remove(ip.c_str());
    std::remove(lp.c_str());
  }
}

struct BadIdx {
  const char *name;
  std::string images, labels;
  const char *message;
};

TEST(Data, MalformedIdxFiles) {
  auto [images, labels] = idxFiles();
  std::string ip = tempPath("bad-i.idx"), lp = tempPath("bad-l.idx");
  const BadIdx cases[] = {
      {"magic", be32(0x802) + images.substr(4), labels, "is not an IDX image file"},
      {"label_magic", images, be32(0x803) + labels.substr(4), "is not an IDX label file"},
      {"truncated", images.substr(0, images.size() - 3), labels, "(truncated?)"},
      {"count", images, be32(0x801) + be32(2) + labels.substr(8, 2), "one label for each of the 3"},
  };
  for (const BadIdx &c : cases) {
    writeFile(ip, c.images);
    writeFile(lp, c.labels);
    Result<ImageSet> set = loadIdx(ip, lp);
    ASSERT_FALSE(set.isOk()) << c.name;
    EXPECT_NE(set.status().message().find(c.message), std::string::npos)
        << c.name << ": " << set.status().message();
  }
  std::string gz = tempPath("broken.gz");
  writeFile(gz, images, /*gzip=*/true);
  std::string bytes;
  {
    std::ifstream in(gz, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  writeFile(gz, bytes.substr(0, bytes.size() / 2));
  Result<std::string> broken = readMaybeGzip(gz);
  ASSERT_FALSE(broken.isOk());
  EXPECT_NE(broken.status().message().find("is not a valid gzip file (truncated)"), std::string::npos);
  Result<std::string> missing = readMaybeGzip(tempPath("missing"));
  ASSERT_FALSE(missing.isOk());
  EXPECT_NE(missing.status().message().find("No such file or directory"), std::string::npos);
  for (const std::string &p : {ip, lp, gz})
    std::remove(p.c_str());
}

TEST(Data, MalformedCsvAndText) {
  std::string path = tempPath("bad.csv");
  writeFile(path, "1,2,0\n3,x,1\n");
  Result<ImageSet> set = loadCsv(path);
  ASSERT_FALSE(set.isOk());
  EXPECT_NE(set.status().message().find("bad.csv:2: field 'x' is not a number"), std::string::npos);
  writeFile(path, "1,2,0\n3,1\n");
  EXPECT_NE(loadCsv(path).status().message().find(":2: 2 fields, expected 3"), std::string::npos);
  writeFile(path, "1,2,0.5\n");
  EXPECT_NE(loadCsv(path).status().message().find("the label must be a whole number"), std::string::npos);
  writeFile(path, "");
  EXPECT_NE(loadCsv(path).status().message().find("has no rows"), std::string::npos);
  writeFile(path, "a");
  EXPECT_NE(loadText(path, 0.9).status().message().find("too little text"), std::string::npos);
  std::remove(path.c_str());
}
} // namespace
