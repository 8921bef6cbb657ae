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

} // namespace liprt::json

#endif // LIPRT_SRC_MINIJSON_H
