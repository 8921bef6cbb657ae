//===- DataTest.cpp - Text, IDX and CSV loaders, good files and bad -------===//

#include "liprt/Data.h"
#include "liprt/Files.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
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
  EXPECT_EQ(bad.status().message(), "byte 'x' is not in the model's vocabulary");
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
  // The features as written (pixels 0..16): a CSV is never rescaled by its
  // own contents, so one outlier cannot change every row.
  EXPECT_EQ(*std::max_element(digits->pixels.begin(), digits->pixels.end()), 16.0f);
  EXPECT_EQ(*std::min_element(digits->pixels.begin(), digits->pixels.end()), 0.0f);
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
      // 16 x 2^30 x 2^30 pixels wraps to 0 in 64 bits: no pixel bytes would pass.
      {"wraps", be32(0x803) + be32(16) + be32(1u << 30) + be32(1u << 30), labels,
       "more than any file holds"},
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

// Every loader reads through readFile: a directory, a device or a FIFO
// where a data file belongs is an error naming it, never an exception, an
// endless read (/dev/zero) or a wait for a writer (a FIFO).
TEST(Data, NotAFile) {
  std::string fifo = tempPath("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string dir = std::filesystem::temp_directory_path().string();
  const std::pair<std::string, const char *> cases[] = {
      {dir, "it is a directory"},
      {"/dev/zero", "it is not a regular file"},
      {fifo, "it is not a regular file"},
      {"/etc/passwd/x", "Not a directory"},
      {tempPath("missing"), "No such file or directory"},
  };
  for (const auto &[path, message] : cases) {
    std::string expected = "cannot read data file '" + path + "': " + message;
    for (Status st : {loadText(path, 0.9).status(), loadCsv(path).status(),
                      loadIdx(path, path).status(), readMaybeGzip(path).status()}) {
      ASSERT_FALSE(st.isOk()) << path;
      EXPECT_NE(st.message().find(expected), std::string::npos) << st.message();
    }
  }
  std::remove(fifo.c_str());
}

// A small file can decompress to any size: reading stops at the limit.
TEST(Data, ReadsAtMostTheLimit) {
  std::string path = tempPath("zeros.gz");
  writeFile(path, std::string(1 << 20, '\0'), /*gzip=*/true);
  EXPECT_TRUE(readMaybeGzip(path, 1 << 20).isOk());
  // 1 MiB of zeros is about 1 kB compressed.
  Result<std::string> bomb = readMaybeGzip(path, 4000);
  ASSERT_FALSE(bomb.isOk());
  EXPECT_NE(bomb.status().message().find("decompresses to more than the 4000 bytes"),
            std::string::npos)
      << bomb.status().message();
  writeFile(path, std::string(5000, 'a'));
  EXPECT_NE(readMaybeGzip(path, 4000).status().message().find("it is 5000 bytes long, more than"),
            std::string::npos);
  std::remove(path.c_str());
}

// A log's writes are each checked: a full disk is an error at the line it
// hits, naming the file, not a log cut short with exit 0.
TEST(Files, ALineFileReportsEveryFailedWrite) {
  Result<LineFile> full = LineFile::open("/dev/full", "log");
  ASSERT_TRUE(full.isOk()) << full.status().message();
  Status st = full->writeLine("{\"step\":0}");
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(), "cannot write log '/dev/full': No space left on device");

  std::string path = tempPath("log.jsonl");
  Result<LineFile> log = LineFile::open(path, "log");
  ASSERT_TRUE(log.isOk());
  EXPECT_TRUE(log->writeLine("one").isOk());
  EXPECT_TRUE(log->writeLine("two").isOk());
  EXPECT_TRUE(log->close().isOk());
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()),
            "one\ntwo\n");
  std::remove(path.c_str());
}

TEST(Files, OpeningALineFileFailsAtOnce) {
  std::string fifo = tempPath("log-fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::pair<std::string, const char *> cases[] = {
      {std::filesystem::temp_directory_path().string(), "Is a directory"},
      {"/nonexistent/dir/log.jsonl", "No such file or directory"},
      // Not a wait for a reader that may never come.
      {fifo, "it is a FIFO that no program reads"},
  };
  for (const auto &[path, message] : cases) {
    Result<LineFile> log = LineFile::open(path, "log");
    ASSERT_FALSE(log.isOk()) << path;
    EXPECT_EQ(log.status().message(), "cannot write log '" + path + "': " + message);
  }
  std::remove(fifo.c_str());
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
  // A label beyond any model's classes (and beyond int32) is an error, not
  // an overflow.
  for (const char *label : {"1048576", "2147483647", "5555555555555552"}) {
    writeFile(path, std::string("0,") + label + "\n");
    EXPECT_NE(loadCsv(path).status().message().find("the label must be a whole number from 0 to 1048575"),
              std::string::npos)
        << label;
  }
  // Features are float32: a value beyond its range is named, not made inf.
  writeFile(path, "1e39,0\n");
  EXPECT_NE(loadCsv(path).status().message().find("bad.csv:1: field '1e39' is beyond float32's range"),
            std::string::npos);
  writeFile(path, "");
  EXPECT_NE(loadCsv(path).status().message().find("has no rows"), std::string::npos);
  writeFile(path, "a");
  EXPECT_NE(loadText(path, 0.9).status().message().find("too little text"), std::string::npos);
  std::remove(path.c_str());
}
} // namespace
