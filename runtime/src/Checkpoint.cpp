//===- Checkpoint.cpp - Checkpoints in the safetensors format -------------===//

#include "liprt/Checkpoint.h"

#include "liprt/Files.h"

#include "Json.h"
#include "Utf8.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace liprt {

namespace {
/// Headers larger than this are rejected as corrupt (safetensors: 100 MB).
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

size_t bytesOf(DType t) { return t == DType::F32 ? 4 : 8; }
const char *nameOf(DType t) { return t == DType::F32 ? "F32" : "F64"; }

int64_t numel(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string errnoMessage() { return std::strerror(errno); }

Status writeAll(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return Status::error(errnoMessage());
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::ok();
}

/// The file's bytes: length, header, data, tensors in name order.
Result<std::string> serialize(const Checkpoint &checkpoint) {
  for (const auto &[key, value] : checkpoint.metadata)
    if (!utf8::isValid(key) || !utf8::isValid(value))
      return Status::error("a metadata key or value is not UTF-8 (safetensors headers must be)");
  for (const auto &[name, t] : checkpoint.tensors) {
    if (!utf8::isValid(name))
      return Status::error("a tensor name is not UTF-8 (safetensors headers must be)");
    if (name == "__metadata__")
      return Status::error("no tensor may be named __metadata__ (the header's metadata entry)");
  }
  json::Json header = json::Json::object();
  std::string data;
  if (!checkpoint.metadata.empty())
    header["__metadata__"] = checkpoint.metadata;
  for (const auto &[name, t] : checkpoint.tensors) {
    if (static_cast<int64_t>(t.values.size()) != numel(t.shape))
      return Status::error("tensor '" + name + "' has " + std::to_string(t.values.size()) +
                           " values for its shape");
    size_t begin = data.size();
    for (double v : t.values) {
      float f = static_cast<float>(v);
      // What a load would reject is never written.
      if (!std::isfinite(t.dtype == DType::F32 ? f : v))
        return Status::error("tensor '" + name + "' holds a value that is not finite in " +
                             nameOf(t.dtype));
      if (t.dtype == DType::F32)
        data.append(reinterpret_cast<const char *>(&f), sizeof(f));
      else
        data.append(reinterpret_cast<const char *>(&v), sizeof(v));
    }
    header[name] = {{"dtype", nameOf(t.dtype)},
                    {"shape", t.shape},
                    {"data_offsets", {begin, data.size()}}};
  }
  std::string headerText = json::dump(header);
  headerText.append((8 - headerText.size() % 8) % 8, ' ');
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((static_cast<uint64_t>(headerText.size()) >> (8 * i)) & 0xFF);
  return bytes + headerText + data;
}

/// The file a save writes before renaming it to `path`.
std::string temporaryPath(const std::string &path) {
  return path + ".tmp." + std::to_string(::getpid());
}

/// A save replaces `path` by rename: it must be absent or a regular file,
/// never a directory or a device node (which a rename, as root, would
/// replace).
Status checkTarget(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return errno == ENOENT ? Status::ok() : Status::error(errnoMessage());
  if (S_ISDIR(st.st_mode))
    return Status::error("it is a directory");
  if (!S_ISREG(st.st_mode))
    return Status::error("it is not a regular file (a FIFO, socket or device)");
  return Status::ok();
}

/// Writes `bytes` to `tmp` and syncs them; removes `tmp` on failure.
Status writeSynced(const std::string &bytes, const std::string &tmp) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::error("cannot create '" + tmp + "': " + errnoMessage());
  Status st = writeAll(fd, bytes.data(), bytes.size());
  if (st && ::fsync(fd) != 0)
    st = Status::error(errnoMessage());
  if (::close(fd) != 0 && st)
    st = Status::error(errnoMessage());
  if (!st)
    std::remove(tmp.c_str());
  return st;
}

/// Syncs the directory holding `path`, so that a rename into it survives a
/// crash; file systems that cannot sync a directory (EINVAL) keep it anyway.
Status syncDirectory(const std::string &path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Status::error(errnoMessage());
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  return rc == 0 || error == EINVAL ? Status::ok() : Status::error(std::strerror(error));
}

/// The serialized checkpoint written to its temporary file; `commit` then
/// puts it in place or removes it.
Status writeTemporary(const Checkpoint &checkpoint, const std::string &path,
                      Status (*commit)(const std::string &tmp, const std::string &path)) {
  Result<std::string> bytes = serialize(checkpoint);
  Status st = bytes ? checkTarget(path) : bytes.status();
  if (st)
    st = writeSynced(*bytes, temporaryPath(path));
  if (st)
    st = commit(temporaryPath(path), path);
  if (!st)
    return Status::error("cannot write checkpoint '" + path + "': " + st.message());
  return Status::ok();
}

/// A tensor's entry in the header, before its values are read.
struct TensorEntry {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

/// Parses the entry of tensor `name`; its bytes must lie within the
/// `dataSize` bytes of data and match its shape.
Result<TensorEntry> parseEntry(const std::string &name, const json::Json &entry,
                               uint64_t dataSize) {
  auto fail = [&](const std::string &what) {
    return Status::error("tensor '" + name + "' " + what);
  };
  const json::Json *dtype = json::member(entry, "dtype");
  const json::Json *shape = json::member(entry, "shape");
  const json::Json *offsets = json::member(entry, "data_offsets");
  if (!dtype || !shape || !offsets || !dtype->is_string() || !shape->is_array() ||
      !offsets->is_array() || offsets->size() != 2)
    return fail("needs dtype, shape and data_offsets [begin, end]");
  TensorEntry t;
  t.name = name;
  if (*dtype == "F32")
    t.dtype = DType::F32;
  else if (*dtype == "F64")
    t.dtype = DType::F64;
  else
    return fail("has dtype " + dtype->get<std::string>() + " (lipc reads F32 and F64)");
  // Extents multiplied in a bound: a product beyond the data cannot wrap
  // around to a size that seems to fit.
  uint64_t bytes = bytesOf(t.dtype);
  for (const json::Json &extent : *shape) {
    double d = json::isInteger(extent) ? extent.get<double>() : -1;
    if (d < 0)
      return fail("has a bad shape");
    t.shape.push_back(static_cast<int64_t>(d));
    if (d != 0 && bytes > dataSize / static_cast<uint64_t>(d))
      return fail("has a shape larger than the file's " + std::to_string(dataSize) +
                  " data bytes");
    bytes *= static_cast<uint64_t>(d);
  }
  const json::Json &b = (*offsets)[0], &e = (*offsets)[1];
  if (!json::isInteger(b) || !json::isInteger(e) || b.get<double>() < 0 ||
      e.get<double>() < b.get<double>() || e.get<double>() > static_cast<double>(dataSize))
    return fail("has data_offsets outside the file's " + std::to_string(dataSize) +
                " data bytes (truncated?)");
  t.begin = static_cast<uint64_t>(b.get<double>());
  t.end = static_cast<uint64_t>(e.get<double>());
  if (t.end - t.begin != bytes)
    return fail("has " + std::to_string(t.end - t.begin) + " bytes for a shape that needs " +
                std::to_string(bytes));
  return t;
}

/// The tensors must tile the data section exactly: no gaps, no overlaps
/// (checked before any value is read, so overlapping entries cannot make
/// the load allocate a multiple of the file).
Status checkTiling(std::vector<TensorEntry> &entries, uint64_t dataSize) {
  std::sort(entries.begin(), entries.end(),
            [](const TensorEntry &a, const TensorEntry &b) { return a.begin < b.begin; });
  uint64_t covered = 0;
  for (const TensorEntry &t : entries) {
    if (t.begin != covered)
      return Status::error("its tensors overlap or leave gaps in the data");
    covered = t.end;
  }
  if (covered != dataSize)
    return Status::error(std::to_string(dataSize - covered) + " bytes after the last tensor");
  return Status::ok();
}

/// The values of `entry` from `data`, widened to double; all finite.
Result<StoredTensor> readValues(const TensorEntry &entry, const char *data) {
  StoredTensor t{entry.dtype, entry.shape, {}};
  t.values.resize(numel(t.shape));
  const char *p = data + entry.begin;
  for (size_t i = 0; i < t.values.size(); ++i) {
    if (t.dtype == DType::F32) {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      t.values[i] = f;
    } else {
      std::memcpy(&t.values[i], p + 8 * i, 8);
    }
    if (!std::isfinite(t.values[i]))
      return Status::error("tensor '" + entry.name + "' holds a non-finite value at index " +
                           std::to_string(i));
  }
  return t;
}

/// The metadata object: string values, each key once.
Status readMetadata(const json::Json &entry, std::map<std::string, std::string> &metadata) {
  if (!entry.is_object())
    return Status::error("__metadata__ is not an object");
  for (const auto &[key, value] : entry.items()) {
    if (!value.is_string())
      return Status::error("metadata '" + key + "' is not a string");
    metadata.emplace(key, value.get<std::string>());
  }
  return Status::ok();
}
} // namespace

Status saveCheckpoint(const Checkpoint &checkpoint, const std::string &path) {
  // Temporary file, fsync, rename: the old checkpoint stays until the new
  // one is complete on disk.
  return writeTemporary(checkpoint, path, [](const std::string &tmp, const std::string &path) {
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      Status st = Status::error(errnoMessage());
      std::remove(tmp.c_str());
      return st;
    }
    return syncDirectory(path);
  });
}

Status checkCheckpointWritable(const Checkpoint &checkpoint, const std::string &path) {
  return writeTemporary(checkpoint, path, [](const std::string &tmp, const std::string &) {
    return std::remove(tmp.c_str()) == 0 ? Status::ok() : Status::error(errnoMessage());
  });
}

Result<Checkpoint> loadCheckpoint(const std::string &path) {
  auto fail = [&](const std::string &what) {
    return Status::error("checkpoint '" + path + "' is not valid: " + what);
  };
  Result<std::string> file = readFile(path, "checkpoint");
  if (!file)
    return file.status();
  const std::string &bytes = *file;
  if (bytes.size() < 8)
    return fail("it is " + std::to_string(bytes.size()) + " bytes long, shorter than a header");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | static_cast<unsigned char>(bytes[i]);
  if (headerSize > kMaxHeaderBytes || headerSize > bytes.size() - 8)
    return fail("the header claims " + std::to_string(headerSize) + " bytes, but the file has " +
                std::to_string(bytes.size() - 8) + " after the length (truncated or not a "
                "safetensors file)");
  std::string headerText = bytes.substr(8, headerSize);
  if (!utf8::isValid(headerText))
    return fail("its header is not UTF-8");
  Result<json::Json> header = json::parse(headerText);
  if (!header)
    return fail("its header is not JSON (" + header.status().message() + ")");
  if (!header->is_object())
    return fail("its header is not a JSON object");
  size_t dataBegin = 8 + headerSize, dataSize = bytes.size() - dataBegin;

  Checkpoint checkpoint;
  std::vector<TensorEntry> entries;
  for (const auto &[name, entry] : header->items()) {
    if (name == "__metadata__") {
      if (Status s = readMetadata(entry, checkpoint.metadata); !s)
        return fail(s.message());
      continue;
    }
    Result<TensorEntry> t = parseEntry(name, entry, dataSize);
    if (!t)
      return fail(t.status().message());
    entries.push_back(std::move(*t));
  }
  if (Status s = checkTiling(entries, dataSize); !s)
    return fail(s.message());
  for (const TensorEntry &entry : entries) {
    Result<StoredTensor> t = readValues(entry, bytes.data() + dataBegin);
    if (!t)
      return fail(t.status().message());
    checkpoint.tensors[entry.name] = std::move(*t);
  }
  return checkpoint;
}

namespace {
/// `text` as a count of steps (0 to kMaxSteps, digits only), if it is one.
std::optional<int64_t> parseStepCount(const std::string &text) {
  bool digits = !text.empty() && text.size() <= 10 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoll(text) > kMaxSteps)
    return std::nullopt;
  return static_cast<int64_t>(std::stoll(text));
}
} // namespace

Result<int64_t> checkpointStep(const Checkpoint &checkpoint) {
  const std::map<std::string, std::string> &metadata = checkpoint.metadata;
  auto at = metadata.find("step");
  if (at == metadata.end())
    return Status::error("the checkpoint records no step");
  std::optional<int64_t> step = parseStepCount(at->second);
  if (!step)
    return Status::error("the checkpoint's step '" + at->second + "' is not a count from 0 to " +
                         std::to_string(kMaxSteps));
  return *step;
}

namespace {

/// The vocabulary metadata of a model of tokens with `limit` classes (0: a
/// model of features, which has none).
Result<std::string> readVocabulary(const std::map<std::string, std::string> &metadata,
                                   int64_t limit) {
  auto at = metadata.find("vocabulary");
  if (limit == 0) {
    if (at != metadata.end())
      return Status::error("the checkpoint holds a vocabulary, but this model reads features, "
                           "not text");
    return std::string();
  }
  if (at == metadata.end() || at->second.empty())
    return Status::error("the checkpoint holds no vocabulary (was it trained on text?)");
  Result<std::string> bytes = utf8::toLatin1(at->second);
  if (!bytes)
    return Status::error("the checkpoint's vocabulary is not one character U+0000-U+00FF per "
                         "byte (" + bytes.status().message() + ")");
  if (static_cast<int64_t>(bytes->size()) > limit)
    return Status::error("the checkpoint's vocabulary has " + std::to_string(bytes->size()) +
                         " bytes; the model has " + std::to_string(limit) + " classes");
  // Strictly increasing: distinct, in the order loadText gives tokens.
  auto unsignedLess = [](char a, char b) {
    return static_cast<unsigned char>(a) < static_cast<unsigned char>(b);
  };
  for (size_t i = 1; i < bytes->size(); ++i)
    if (!unsignedLess((*bytes)[i - 1], (*bytes)[i]))
      return Status::error("the checkpoint's vocabulary is not distinct bytes in increasing "
                           "order (entry " + std::to_string(i) + ")");
  return *bytes;
}

/// The schedule overrides a checkpoint records (none in older ones).
Status readScheduleOverrides(const std::map<std::string, std::string> &metadata,
                             TrainingMetadata &training) {
  if (auto at = metadata.find("lr_scale"); at != metadata.end()) {
    char *end = nullptr;
    double scale = std::strtod(at->second.c_str(), &end);
    if (at->second.empty() || *end || !(scale > 0) || !std::isfinite(scale))
      return Status::error("the checkpoint's lr_scale '" + at->second +
                           "' is not a positive number");
    training.lrScale = scale;
  }
  if (auto at = metadata.find("horizon"); at != metadata.end()) {
    std::optional<int64_t> horizon = parseStepCount(at->second);
    if (!horizon || *horizon == 0)
      return Status::error("the checkpoint's horizon '" + at->second + "' is not a count from 1 to " +
                           std::to_string(kMaxSteps));
    training.horizon = *horizon;
  }
  return Status::ok();
}
} // namespace

void setTrainingMetadata(Checkpoint &checkpoint, const TrainingMetadata &training) {
  checkpoint.metadata["step"] = std::to_string(training.step);
  char scale[32];
  std::snprintf(scale, sizeof(scale), "%.17g", training.lrScale);
  checkpoint.metadata["lr_scale"] = scale;
  if (training.horizon > 0)
    checkpoint.metadata["horizon"] = std::to_string(training.horizon);
  else
    checkpoint.metadata.erase("horizon");
  if (training.vocabulary.empty())
    checkpoint.metadata.erase("vocabulary");
  else
    checkpoint.metadata["vocabulary"] = utf8::fromLatin1(training.vocabulary);
}

Result<TrainingMetadata> checkCompatible(const Checkpoint &checkpoint,
                                         const CheckpointSchema &schema) {
  auto hash = checkpoint.metadata.find("spec_hash");
  if (hash == checkpoint.metadata.end())
    return Status::error("the checkpoint does not say which model it belongs to (no spec_hash)");
  if (hash->second != schema.specHash)
    return Status::error("the checkpoint belongs to another model (spec hash " + hash->second +
                         ", this model's is " + schema.specHash + ")");
  for (const auto &[name, shape] : schema.shapes) {
    auto it = checkpoint.tensors.find(name);
    if (it == checkpoint.tensors.end())
      return Status::error("the checkpoint has no tensor '" + name + "'");
    if (it->second.shape != shape)
      return Status::error("tensor '" + name + "' has another shape in the checkpoint");
    if (it->second.dtype != DType::F32)
      return Status::error(std::string("tensor '") + name + "' is " + nameOf(it->second.dtype) +
                           " in the checkpoint; the model's are F32");
  }
  for (const auto &[name, t] : checkpoint.tensors)
    if (!schema.shapes.count(name))
      return Status::error("the checkpoint holds tensor '" + name + "', which this model does not have");
  Result<int64_t> step = checkpointStep(checkpoint);
  if (!step)
    return step.status();
  Result<std::string> vocabulary = readVocabulary(checkpoint.metadata, schema.vocabularyLimit);
  if (!vocabulary)
    return vocabulary.status();
  TrainingMetadata training{*step, std::move(*vocabulary)};
  if (Status s = readScheduleOverrides(checkpoint.metadata, training); !s)
    return s;
  return training;
}

} // namespace liprt
