//===- Checkpoint.cpp - Checkpoints in the safetensors format -------------===//

#include "liprt/Checkpoint.h"

#include "MiniJson.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fcntl.h>
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
} // namespace

Status saveCheckpoint(const Checkpoint &checkpoint, const std::string &path) {
  // Header and data, in name order.
  std::string header = "{";
  std::string data;
  bool first = true;
  if (!checkpoint.metadata.empty()) {
    header += json::quote("__metadata__") + ":{";
    for (auto it = checkpoint.metadata.begin(); it != checkpoint.metadata.end(); ++it)
      header += (it == checkpoint.metadata.begin() ? "" : ",") + json::quote(it->first) + ":" +
                json::quote(it->second);
    header += "}";
    first = false;
  }
  for (const auto &[name, t] : checkpoint.tensors) {
    if (static_cast<int64_t>(t.values.size()) != numel(t.shape))
      return Status::error("tensor '" + name + "' has " + std::to_string(t.values.size()) +
                           " values for its shape");
    size_t begin = data.size();
    for (double v : t.values) {
      if (t.dtype == DType::F32) {
        float f = static_cast<float>(v);
        data.append(reinterpret_cast<const char *>(&f), sizeof(f));
      } else {
        data.append(reinterpret_cast<const char *>(&v), sizeof(v));
      }
    }
    std::string shape;
    for (size_t i = 0; i < t.shape.size(); ++i)
      shape += (i ? "," : "") + std::to_string(t.shape[i]);
    header += std::string(first ? "" : ",") + json::quote(name) + ":{\"dtype\":\"" +
              nameOf(t.dtype) + "\",\"shape\":[" + shape + "],\"data_offsets\":[" +
              std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
    first = false;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  uint64_t headerSize = header.size();

  // Temporary file, fsync, rename: the old checkpoint stays until the new
  // one is complete on disk.
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return Status::error("cannot write checkpoint '" + tmp + "': " + errnoMessage());
  char sizeBytes[8];
  for (int i = 0; i < 8; ++i)
    sizeBytes[i] = static_cast<char>((headerSize >> (8 * i)) & 0xFF);
  Status st = writeAll(fd, sizeBytes, 8);
  if (st)
    st = writeAll(fd, header.data(), header.size());
  if (st)
    st = writeAll(fd, data.data(), data.size());
  if (st && ::fsync(fd) != 0)
    st = Status::error(errnoMessage());
  if (::close(fd) != 0 && st)
    st = Status::error(errnoMessage());
  if (st && std::rename(tmp.c_str(), path.c_str()) != 0)
    st = Status::error(errnoMessage());
  if (!st) {
    std::remove(tmp.c_str());
    return Status::error("cannot write checkpoint '" + path + "': " + st.message());
  }
  return Status::ok();
}

Result<Checkpoint> loadCheckpoint(const std::string &path) {
  auto fail = [&](const std::string &what) {
    return Status::error("checkpoint '" + path + "' is not valid: " + what);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error("cannot read checkpoint '" + path + "': " + errnoMessage());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8)
    return fail("it is " + std::to_string(bytes.size()) + " bytes long, shorter than a header");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | static_cast<unsigned char>(bytes[i]);
  if (headerSize > kMaxHeaderBytes || headerSize > bytes.size() - 8)
    return fail("the header claims " + std::to_string(headerSize) + " bytes, but the file has " +
                std::to_string(bytes.size() - 8) + " after the length (truncated or not a "
                "safetensors file)");
  Result<json::Value> header = json::parse(bytes.substr(8, headerSize));
  if (!header)
    return fail("its header is not JSON (" + header.status().message() + ")");
  if (header->kind != json::Value::Kind::Object)
    return fail("its header is not a JSON object");
  size_t dataBegin = 8 + headerSize, dataSize = bytes.size() - dataBegin;

  Checkpoint checkpoint;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto &[name, entry] : header->object) {
    if (name == "__metadata__") {
      if (entry.kind != json::Value::Kind::Object)
        return fail("__metadata__ is not an object");
      for (const auto &[key, value] : entry.object) {
        if (value.kind != json::Value::Kind::String)
          return fail("metadata '" + key + "' is not a string");
        checkpoint.metadata[key] = value.string;
      }
      continue;
    }
    const json::Value *dtype = entry.get("dtype");
    const json::Value *shape = entry.get("shape");
    const json::Value *offsets = entry.get("data_offsets");
    if (!dtype || !shape || !offsets || dtype->kind != json::Value::Kind::String ||
        shape->kind != json::Value::Kind::Array || offsets->kind != json::Value::Kind::Array ||
        offsets->array.size() != 2)
      return fail("tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]");
    StoredTensor t;
    if (dtype->string == "F32")
      t.dtype = DType::F32;
    else if (dtype->string == "F64")
      t.dtype = DType::F64;
    else
      return fail("tensor '" + name + "' has dtype " + dtype->string + " (lipc reads F32 and F64)");
    for (const json::Value &d : shape->array) {
      if (!d.isInteger() || d.number < 0)
        return fail("tensor '" + name + "' has a bad shape");
      t.shape.push_back(static_cast<int64_t>(d.number));
    }
    const json::Value &b = offsets->array[0], &e = offsets->array[1];
    if (!b.isInteger() || !e.isInteger() || b.number < 0 || e.number < b.number ||
        e.number > static_cast<double>(dataSize))
      return fail("tensor '" + name + "' has data_offsets outside the file's " +
                  std::to_string(dataSize) + " data bytes (truncated?)");
    auto begin = static_cast<uint64_t>(b.number), end = static_cast<uint64_t>(e.number);
    uint64_t expected = static_cast<uint64_t>(numel(t.shape)) * bytesOf(t.dtype);
    if (end - begin != expected)
      return fail("tensor '" + name + "' has " + std::to_string(end - begin) +
                  " bytes for a shape that needs " + std::to_string(expected));
    const char *p = bytes.data() + dataBegin + begin;
    t.values.resize(numel(t.shape));
    for (size_t i = 0; i < t.values.size(); ++i) {
      if (t.dtype == DType::F32) {
        float f;
        std::memcpy(&f, p + 4 * i, 4);
        t.values[i] = f;
      } else {
        std::memcpy(&t.values[i], p + 8 * i, 8);
      }
      if (!std::isfinite(t.values[i]))
        return fail("tensor '" + name + "' holds a non-finite value at index " + std::to_string(i));
    }
    ranges.emplace_back(begin, end);
    checkpoint.tensors[name] = std::move(t);
  }
  // The tensors must tile the data section exactly: no gaps, no overlaps.
  std::sort(ranges.begin(), ranges.end());
  uint64_t covered = 0;
  for (auto [begin, end] : ranges) {
    if (begin != covered)
      return fail("its tensors overlap or leave gaps in the data");
    covered = end;
  }
  if (covered != dataSize)
    return fail(std::to_string(dataSize - covered) + " bytes after the last tensor");
  return checkpoint;
}

Status checkCompatible(const Checkpoint &checkpoint, const std::string &specHash,
                       const std::map<std::string, std::vector<int64_t>> &expected) {
  auto hash = checkpoint.metadata.find("spec_hash");
  if (hash == checkpoint.metadata.end())
    return Status::error("the checkpoint does not say which model it belongs to (no spec_hash)");
  if (hash->second != specHash)
    return Status::error("the checkpoint belongs to another model (spec hash " + hash->second +
                         ", this model's is " + specHash + ")");
  for (const auto &[name, shape] : expected) {
    auto it = checkpoint.tensors.find(name);
    if (it == checkpoint.tensors.end())
      return Status::error("the checkpoint has no tensor '" + name + "'");
    if (it->second.shape != shape)
      return Status::error("tensor '" + name + "' has another shape in the checkpoint");
  }
  for (const auto &[name, t] : checkpoint.tensors)
    if (!expected.count(name))
      return Status::error("the checkpoint holds tensor '" + name + "', which this model does not have");
  return Status::ok();
}

} // namespace liprt
