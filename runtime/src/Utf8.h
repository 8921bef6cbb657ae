//===- Utf8.h - UTF-8 checks and the byte vocabulary's encoding (internal) ===//
//
// Safetensors headers and JSON exchanged between programs must be UTF-8. A
// text model's vocabulary is a set of bytes, which is not: it is stored as
// the characters U+0000-U+00FF, one per byte.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_SRC_UTF8_H
#define LIPRT_SRC_UTF8_H

#include "liprt/Status.h"

#include <string>

namespace liprt::utf8 {

/// Whether `text` is well-formed UTF-8 (shortest forms, no surrogates).
bool isValid(const std::string &text);

/// Bytes as the characters U+0000-U+00FF in UTF-8; and back.
std::string fromLatin1(const std::string &bytes);
Result<std::string> toLatin1(const std::string &text);

} // namespace liprt::utf8

#endif // LIPRT_SRC_UTF8_H
