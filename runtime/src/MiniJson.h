//===- MiniJson.h - A small JSON reader for the runtime (internal) --------===//
//
// Enough JSON for safetensors headers and the runtime's manifests: objects,
// arrays, strings, numbers, booleans, null; nesting limited so a hostile
// file cannot exhaust the stack. The runtime does not link LLVM, so it has
// its own.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_SRC_MINIJSON_H
#define LIPRT_SRC_MINIJSON_H

#include "liprt/Status.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace liprt::json {

struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object; // in file order

  /// The member `key` of an object, or null.
  const Value *get(const std::string &key) const;
  bool isInteger() const;
};

/// Parses a complete JSON text (nothing but whitespace may follow).
Result<Value> parse(const std::string &text);

/// `s` as a JSON string literal.
std::string quote(const std::string &s);

/// Whether `text` is well-formed UTF-8 (shortest forms, no surrogates), as
/// JSON exchanged between programs must be.
bool isUtf8(const std::string &text);

/// Bytes as the characters U+0000-U+00FF in UTF-8, so that any bytes (a
/// vocabulary of a text's distinct bytes) fit in a JSON string; and back.
std::string latin1ToUtf8(const std::string &bytes);
Result<std::string> utf8ToLatin1(const std::string &text);

} // namespace liprt::json

#endif // LIPRT_SRC_MINIJSON_H
