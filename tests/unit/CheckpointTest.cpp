//===- CheckpointTest.cpp - safetensors checkpoints: round trip, damage ---===//

#include "liprt/Checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include <iterator>

#include <sys/stat.h>
#include <unistd.h>

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

/// A safetensors file of `header` (JSON text) and `data`.
std::string safetensors(const std::string &header, const std::string &data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return bytes + header + data;
}

std::string f32Entry(const std::string &name, const std::string &shape, int begin, int end) {
  return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + shape + "],\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(end) + "]}";
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
    // Safetensors headers are UTF-8; so must every string in them be.
    {"not_utf8", [](std::string s) { return replaceOnce(s, "\xc3\xa9", "\xff\xfe"); },
     "its header is not UTF-8"},
    {"lone_surrogate", [](std::string s) { return replaceOnce(s, "tabs and", "\\ud800xx"); },
     "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"},
    {"duplicate_tensor",
     [](std::string) {
       return safetensors("{" + f32Entry("a", "1", 0, 4) + "," + f32Entry("a", "1", 4, 8) + "}",
                          std::string(8, '\0'));
     },
     "the key \"a\" appears twice in an object"},
    {"duplicate_metadata",
     [](std::string) {
       return safetensors(R"({"__metadata__":{"step":"1","step":"2"}})", "");
     },
     "the key \"step\" appears twice in an object"},
    // Overlapping tensors are refused before their values are read: each
    // could otherwise claim the whole data.
    {"overlap",
     [](std::string) {
       return safetensors("{" + f32Entry("a", "1", 0, 4) + "," + f32Entry("b", "1", 0, 4) + "}",
                          std::string(4, '\0'));
     },
     "overlap or leave gaps"},
    // A number beyond a double is nlohmann's out_of_range, not a parse
    // error (the checkpoint fuzzer's find).
    {"number_overflow",
     [](std::string) { return safetensors("{" + f32Entry("a", "4E4444", 0, 4) + "}", std::string(4, '\0')); },
     "number overflow parsing '4E4444'"},
    // Extents whose product wraps around 64 bits must not pass for a fit.
    {"huge_shape",
     [](std::string) {
       return safetensors("{" + f32Entry("a", "4294967296,4294967296,1024", 0, 0) + "}", "");
     },
     "has a shape larger than the file's 0 data bytes"},
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

// Read as a checkpoint, anything but a regular file is an error at once: no
// exception from a directory, no endless read of /dev/zero, no wait on a FIFO.
TEST(Checkpoint, NotAFile) {
  std::string fifo = tempPath("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::pair<std::string, const char *> cases[] = {
      {std::filesystem::temp_directory_path().string(), "it is a directory"},
      {"/dev/zero", "it is not a regular file"},
      {fifo, "it is not a regular file"},
      {"/etc/passwd/x", "Not a directory"},
  };
  for (const auto &[path, message] : cases) {
    Result<Checkpoint> loaded = loadCheckpoint(path);
    ASSERT_FALSE(loaded.isOk()) << path;
    EXPECT_NE(loaded.status().message().find("cannot read checkpoint '" + path + "': " + message),
              std::string::npos)
        << loaded.status().message();
  }
  std::remove(fifo.c_str());
}

TEST(Checkpoint, WritabilityIsCheckedWithoutTouchingThePath) {
  std::string path = tempPath("probe.safetensors");
  ASSERT_TRUE(saveCheckpoint(sample(), path).isOk());
  Checkpoint other = sample();
  other.metadata["step"] = "43";
  EXPECT_TRUE(checkCheckpointWritable(other, path).isOk());
  EXPECT_EQ(loadCheckpoint(path)->metadata["step"], "42") << "the checkpoint stays";
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp." + std::to_string(::getpid())));
  std::remove(path.c_str());
  const std::pair<std::string, const char *> unwritable[] = {
      {"/nonexistent/dir/c.safetensors", "No such file or directory"},
      {std::filesystem::temp_directory_path().string(), "it is a directory"},
      // As root a rename would replace the device node itself.
      {"/dev/full", "it is not a regular file"},
  };
  for (const auto &[target, message] : unwritable) {
    for (Status st :
         {checkCheckpointWritable(sample(), target), saveCheckpoint(sample(), target)}) {
      ASSERT_FALSE(st.isOk()) << target;
      EXPECT_NE(st.message().find("cannot write checkpoint '" + target + "'"), std::string::npos);
      EXPECT_NE(st.message().find(message), std::string::npos) << st.message();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "a probe creates no checkpoint";
}

// Escapes in a header written by another program: \u escapes, a surrogate
// pair for a character above U+FFFF, and the short escapes.
TEST(Checkpoint, ReadsEscapedNames) {
  std::string path = tempPath("escaped.safetensors");
  writeBytes(path, safetensors("{" + f32Entry("\\u00e9\\ud83d\\ude00\\t\\\"q\\\"", "1", 0, 4) +
                                   ",\"__metadata__\":{\"note\":\"a\\u0041\\/b\"}}",
                               std::string(4, '\0')));
  Result<Checkpoint> loaded = loadCheckpoint(path);
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  ASSERT_EQ(loaded->tensors.size(), 1u);
  EXPECT_EQ(loaded->tensors.begin()->first, "\xc3\xa9\xf0\x9f\x98\x80\t\"q\"");
  EXPECT_EQ(loaded->metadata.at("note"), "aA/b");
}

// Nesting deeper than any real header is refused before it can exhaust
// anything.
TEST(Checkpoint, RefusesDeepNesting) {
  std::string path = tempPath("deep.safetensors");
  writeBytes(path, safetensors("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}",
                               ""));
  Result<Checkpoint> loaded = loadCheckpoint(path);
  ASSERT_FALSE(loaded.isOk());
  EXPECT_NE(loaded.status().message().find("nested more than 32 levels deep"), std::string::npos)
      << loaded.status().message();
}

TEST(Checkpoint, NeverWritesWhatALoadWouldRefuse) {
  std::string path = tempPath("refused.safetensors");
  Checkpoint c = sample();
  c.tensors["embed"].values[0] = 1e300; // finite in F64, infinite in F32
  EXPECT_NE(saveCheckpoint(c, path).message().find("not finite in F32"), std::string::npos);
  c = sample();
  c.metadata["vocab"] = "\xff";
  EXPECT_NE(saveCheckpoint(c, path).message().find("not UTF-8"), std::string::npos);
  c = sample();
  c.tensors["__metadata__"] = {DType::F32, {1}, {0}};
  EXPECT_NE(saveCheckpoint(c, path).message().find("no tensor may be named __metadata__"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

/// A checkpoint of a text model with three characters, and its schema.
Checkpoint textCheckpoint() {
  Checkpoint c;
  c.tensors["embed"] = {DType::F32, {3, 2}, {1, -2, 3.5, 0, 1e-3, 7}};
  c.tensors["head"] = {DType::F32, {2, 2}, {0.1, 0.2, 0.3, 0.4}};
  c.metadata["spec_hash"] = "abc123";
  setTrainingMetadata(c, {42, "\n a"});
  return c;
}

CheckpointSchema textSchema() { return {"abc123", {{"embed", {3, 2}}, {"head", {2, 2}}}, 4}; }

std::string compatibilityError(const Checkpoint &c, const CheckpointSchema &schema) {
  Result<TrainingMetadata> r = checkCompatible(c, schema);
  return r.isOk() ? "" : r.status().message();
}

TEST(Checkpoint, CompatibleReturnsStepAndVocabulary) {
  Result<TrainingMetadata> r = checkCompatible(textCheckpoint(), textSchema());
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->step, 42);
  EXPECT_EQ(r->vocabulary, "\n a");
}

// A text's vocabulary is its distinct bytes, any of 256: stored one
// character U+0000-U+00FF per byte, it keeps the header UTF-8 and comes back
// byte for byte.
TEST(Checkpoint, AVocabularyOfAnyBytesRoundTrips) {
  std::string path = tempPath("bytes.safetensors");
  std::string bytes;
  for (int b = 0; b < 256; ++b)
    bytes += static_cast<char>(b);
  Checkpoint c = textCheckpoint();
  setTrainingMetadata(c, {7, bytes});
  ASSERT_TRUE(saveCheckpoint(c, path).isOk());
  Result<Checkpoint> loaded = loadCheckpoint(path);
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  CheckpointSchema schema = textSchema();
  schema.vocabularyLimit = 256;
  Result<TrainingMetadata> r = checkCompatible(*loaded, schema);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->vocabulary, bytes);
  EXPECT_EQ(r->step, 7);
  std::remove(path.c_str());
}

// A run's --lr and --horizon are in its checkpoints, so a resumed run goes
// on with them; older checkpoints, without them, read as the spec's.
TEST(Checkpoint, RecordsTheRunsScheduleOverrides) {
  std::string path = tempPath("schedule.safetensors");
  Checkpoint c = textCheckpoint();
  setTrainingMetadata(c, {7, "\n a", 0.1 / 3, 250});
  ASSERT_TRUE(saveCheckpoint(c, path).isOk());
  Result<Checkpoint> loaded = loadCheckpoint(path);
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  Result<TrainingMetadata> r = checkCompatible(*loaded, textSchema());
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->lrScale, 0.1 / 3) << "the scale comes back to the last bit";
  EXPECT_EQ(r->horizon, 250);
  loaded->metadata.erase("lr_scale");
  loaded->metadata.erase("horizon");
  r = checkCompatible(*loaded, textSchema());
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->lrScale, 1);
  EXPECT_EQ(r->horizon, 0);
  std::remove(path.c_str());
}

struct Incompatibility {
  const char *name;
  std::function<void(Checkpoint &, CheckpointSchema &)> apply;
  const char *message;
};

class IncompatibleCheckpoint : public ::testing::TestWithParam<Incompatibility> {};

TEST_P(IncompatibleCheckpoint, IsRejectedWithAClearMessage) {
  Checkpoint c = textCheckpoint();
  CheckpointSchema schema = textSchema();
  GetParam().apply(c, schema);
  std::string error = compatibilityError(c, schema);
  EXPECT_NE(error.find(GetParam().message), std::string::npos) << "'" << error << "'";
}

using C = Checkpoint &;
using S = CheckpointSchema &;
const Incompatibility kIncompatible[] = {
    {"other_model", [](C, S s) { s.specHash = "other"; }, "belongs to another model"},
    {"no_hash", [](C c, S) { c.metadata.erase("spec_hash"); }, "no spec_hash"},
    {"shape", [](C, S s) { s.shapes["head"] = {2, 3}; }, "has another shape"},
    {"extra_tensor", [](C, S s) { s.shapes.erase("head"); }, "which this model does not have"},
    {"missing_tensor", [](C, S s) { s.shapes["extra"] = {1, 1}; }, "has no tensor 'extra'"},
    {"dtype", [](C c, S) { c.tensors["head"].dtype = DType::F64; },
     "tensor 'head' is F64 in the checkpoint; the model's are F32"},
    {"no_step", [](C c, S) { c.metadata.erase("step"); }, "records no step"},
    {"empty_step", [](C c, S) { c.metadata["step"] = ""; }, "step '' is not a count"},
    {"word_step", [](C c, S) { c.metadata["step"] = "12abc"; }, "step '12abc' is not a count"},
    {"signed_step", [](C c, S) { c.metadata["step"] = "-1"; }, "step '-1' is not a count"},
    {"spaced_step", [](C c, S) { c.metadata["step"] = " 5"; }, "step ' 5' is not a count"},
    {"huge_step", [](C c, S) { c.metadata["step"] = "99999999999999999999"; },
     "is not a count from 0 to 1000000000"},
    {"word_lr_scale", [](C c, S) { c.metadata["lr_scale"] = "fast"; },
     "lr_scale 'fast' is not a positive number"},
    {"zero_lr_scale", [](C c, S) { c.metadata["lr_scale"] = "0"; },
     "lr_scale '0' is not a positive number"},
    {"nan_lr_scale", [](C c, S) { c.metadata["lr_scale"] = "nan"; },
     "lr_scale 'nan' is not a positive number"},
    {"zero_horizon", [](C c, S) { c.metadata["horizon"] = "0"; },
     "horizon '0' is not a count from 1 to 1000000000"},
    {"word_horizon", [](C c, S) { c.metadata["horizon"] = "long"; },
     "horizon 'long' is not a count"},
    {"no_vocabulary", [](C c, S) { c.metadata.erase("vocabulary"); }, "holds no vocabulary"},
    {"empty_vocabulary", [](C c, S) { c.metadata["vocabulary"] = ""; }, "holds no vocabulary"},
    {"long_vocabulary", [](C, S s) { s.vocabularyLimit = 2; },
     "vocabulary has 3 bytes; the model has 2 classes"},
    {"repeated_vocabulary", [](C c, S) { c.metadata["vocabulary"] = "aab"; },
     "not distinct bytes in increasing order (entry 1)"},
    {"unsorted_vocabulary", [](C c, S) { c.metadata["vocabulary"] = "ba"; },
     "not distinct bytes in increasing order"},
    {"wide_vocabulary", [](C c, S) { c.metadata["vocabulary"] = "a\xe2\x82\xac"; },
     "a character above U+00FF"},
    {"features_vocabulary", [](C, S s) { s.vocabularyLimit = 0; },
     "holds a vocabulary, but this model reads features"},
};

INSTANTIATE_TEST_SUITE_P(Metadata, IncompatibleCheckpoint, ::testing::ValuesIn(kIncompatible),
                         [](const ::testing::TestParamInfo<Incompatibility> &info) {
                           return std::string(info.param.name);
                         });
} // namespace
