//===- Json.h - JSON for the runtime (internal) ---------------------------===//
//
// Manifests, checkpoint headers, embedded reports and logs go through
// nlohmann::json (Debian's nlohmann-json3-dev), ordered so that files and
// log lines keep their members in the order they were written. Parsing adds
// the runtime's rules for files it does not trust: nesting at most
// kMaxDepth deep (a hostile file cannot exhaust the stack or the heap), and
// no object with a key twice (safetensors and manifests name each tensor
// once; taking the last of two would silently drop one).
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_SRC_JSON_H
#define LIPRT_SRC_JSON_H

#include "liprt/Status.h"

#include <nlohmann/json.hpp>

#include <string>

namespace liprt::json {

using Json = nlohmann::ordered_json;

inline constexpr int kMaxDepth = 32;

/// Parses a complete JSON text (nothing but whitespace may follow); errors
/// name the line and column where parsing stopped.
Result<Json> parse(const std::string &text);

/// The member `key` of an object; null when `value` is not an object or has
/// no such member.
const Json *member(const Json &value, const char *key);

/// Whether `value` is a number with an integer value that a double holds
/// exactly (|v| < 2^53), written as an integer or not ("3" and "3.0").
bool isInteger(const Json &value);

/// `value` as one line of compact JSON, UTF-8; non-finite numbers become
/// null.
std::string dump(const Json &value);

} // namespace liprt::json

#endif // LIPRT_SRC_JSON_H
