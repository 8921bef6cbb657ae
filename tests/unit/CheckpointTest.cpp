//===- CheckpointTest.cpp - safetensors checkpoints: round trip, damage ---===//

#include "liprt/Checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include <unistd.h>
#include <iterator>

using namespace liprt;

namespace {
std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() / ("lipc-ckpt-" + std::to_string(::getpid()) + "-" + name)).string();
}

Checkpoint sample() {
  Checkpoint c;
  c.tensors["embed"] = {DType::F32, {3, 2}, {1, -2, 3.5, 0, 1e-3, 7}};
  c.tensors["head"] = {DType::F64, {2, 2}, {0.1, 0.2, 0.3, 1.0 / 3.0}};
  c.metadata["spec_hash"] = "abc123";
  c.metadata["vocab"] = "\"quoted\"\n\ttabs and \xc3\xa9";
  c.metadata["step"] = "42";
  return c;
}

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(Checkpoint, RoundTripsValuesAndMetadata) {
  std::string path = tempPath("roundtrip.safetensors");
  ASSERT_TRUE(saveCheckpoint(sample(), path).isOk());
  Result<Checkpoint> loaded = loadCheckpoint(path);
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  EXPECT_EQ(loaded->metadata, sample().metadata);
  EXPECT_EQ(loaded->tensors["embed"].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(loaded->tensors["embed"].values[2], 3.5);
  EXPECT_EQ(loaded->tensors["embed"].values[4], static_cast<double>(1e-3f)) << "stored as f32";
  EXPECT_EQ(loaded->tensors["head"].values[3], 1.0 / 3.0) << "f64 bit-exact";
  std::remove(path.c_str());
}

TEST(Checkpoint, FollowsTheSafetensorsLayout) {
  std::string path = tempPath("layout.safetensors");
  ASSERT_TRUE(saveCheckpoint(sample(), path).isOk());
  std::string bytes = readBytes(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u) << "header padded to 8 bytes";
  std::string header = bytes.substr(8, n);
  EXPECT_NE(header.find("\"embed\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}"),
            std::string::npos)
      << header;
  EXPECT_NE(header.find("\"head\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[24,56]}"),
            std::string::npos);
  EXPECT_EQ(bytes.size(), 8 + n + 56);
  std::remove(path.c_str());
}

TEST(Checkpoint, AFailedSaveKeepsTheOldCheckpoint) {
  std::string path = tempPath("atomic.safetensors");
  ASSERT_TRUE(saveCheckpoint(sample(), path).isOk());
  // Block the temporary file's name: the save fails before touching `path`.
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::filesystem::create_directory(tmp);
  Checkpoint other = sample();
  other.metadata["step"] = "43";
  Status st = saveCheckpoint(other, path);
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("cannot write checkpoint"), std::string::npos) << st.message();
  Result<Checkpoint> loaded = loadCheckpoint(path);
  ASSERT_TRUE(loaded.isOk());
  EXPECT_EQ(loaded->metadata["step"], "42");
  std::filesystem::remove(tmp);
  std::remove(path.c_str());
}

struct Damage {
  const char *name;
  std::function<std::string(std::string)> apply;
  const char *message;
};

class DamagedCheckpoint : public ::testing::TestWithParam<Damage> {};

TEST_P(DamagedCheckpoint, IsRejectedWithAClearMessage) {
  std::string path = tempPath(std::string("damaged-") + GetParam().name);
  ASSERT_TRUE(saveCheckpoint(sample(), path).isOk());
  writeBytes(path, GetParam().apply(readBytes(path)));
  Result<Checkpoint> loaded = loadCheckpoint(path);
  ASSERT_FALSE(loaded.isOk());
  EXPECT_NE(loaded.status().message().find(GetParam().message), std::string::npos)
      << loaded.status().message();
  std::remove(path.c_str());
}

std::string replaceOnce(std::string s, const std::string &from, const std::string &to) {
  size_t at = s.find(from);
  return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

const Damage kDamage[] = {
    {"empty", [](std::string) { return std::string(); }, "shorter than a header"},
    {"truncated", [](std::string s) { return s.substr(0, s.size() - 5); }, "data_offsets outside"},
    {"truncated_header", [](std::string s) { return s.substr(0, 20); }, "truncated or not a safetensors file"},
    {"huge_header", [](std::string s) { s[7] = 0x7f; return s; }, "the header claims"},
    {"garbage_header", [](std::string s) { s[9] = '!'; return s; }, "its header is not JSON"},
    {"bad_dtype", [](std::string s) { return replaceOnce(s, "\"F32\"", "\"I32\""); }, "has dtype I32"},
    {"bad_size", [](std::string s) { return replaceOnce(s, "[3,2]", "[3,3]"); }, "bytes for a shape that needs"},
    {"trailing", [](std::string s) { return s + "XXXXXXXX"; }, "bytes after the last tensor"},
    {"non_finite",
     [](std::string s) {
       float inf = INFINITY;
       uint64_t n = 0;
       for (int i = 7; i >= 0; --i)
         n = (n << 8) | static_cast<unsigned char>(s[i]);
       s.replace(8 + n, 4, reinterpret_cast<const char *>(&inf), 4);
       return s;
     },
     "non-finite value at index 0"},
};

INSTANTIATE_TEST_SUITE_P(Damage, DamagedCheckpoint, ::testing::ValuesIn(kDamage),
                         [](const ::testing::TestParamInfo<Damage> &info) {
                           return std::string(info.param.name);
                         });

TEST(Checkpoint, MissingFile) {
  Result<Checkpoint> loaded = loadCheckpoint(tempPath("does-not-exist"));
  ASSERT_FALSE(loaded.isOk());
  EXPECT_NE(loaded.status().message().find("cannot read checkpoint"), std::string::npos);
}

TEST(Checkpoint, WrongModelIsRejected) {
  Checkpoint c = sample();
  std::map<std::string, std::vector<int64_t>> shapes = {{"embed", {3, 2}}, {"head", {2, 2}}};
  EXPECT_TRUE(checkCompatible(c, "abc123", shapes).isOk());
  EXPECT_NE(checkCompatible(c, "other", shapes).message().find("belongs to another model"),
            std::string::npos);
  shapes["head"] = {2, 3};
  EXPECT_NE(checkCompatible(c, "abc123", shapes).message().find("has another shape"),
            std::string::npos);
  shapes.erase("head");
  EXPECT_NE(checkCompatible(c, "abc123", shapes).message().find("which this model does not have"),
            std::string::npos);
  shapes = {{"embed", {3, 2}}, {"head", {2, 2}}, {"extra", {1, 1}}};
  EXPECT_NE(checkCompatible(c, "abc123", shapes).message().find("has no tensor 'extra'"),
            std::string::npos);
  c.metadata.erase("spec_hash");
  EXPECT_NE(checkCompatible(c, "abc123", shapes).message().find("no spec_hash"), std::string::npos);
}
} // namespace
