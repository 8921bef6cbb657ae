//===- Utf8.cpp - UTF-8 checks and the byte vocabulary's encoding ---------===//

#include "Utf8.h"

#include <cstdint>

namespace liprt::utf8 {

bool isValid(const std::string &text) {
  for (size_t i = 0; i < text.size();) {
    auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
    unsigned char lead = byte(i);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                                    : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size())
      return false;
    uint32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80)
        return false;
      code = code << 6 | (byte(i + k) & 0x3F);
    }
    // The shortest encoding only, no surrogates, nothing above U+10FFFF.
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || (code >= 0xD800 && code < 0xE000) || code > 0x10FFFF)
      return false;
    i += length;
  }
  return true;
}

std::string fromLatin1(const std::string &bytes) {
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xC0 | (byte >> 6));
      out += static_cast<char>(0x80 | (byte & 0x3F));
    }
  }
  return out;
}

Result<std::string> toLatin1(const std::string &text) {
  if (!isValid(text))
    return Status::error("not UTF-8");
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out += static_cast<char>(lead);
    } else if (lead == 0xC2 || lead == 0xC3) {
      auto next = static_cast<unsigned char>(text[++i]);
      out += static_cast<char>(((lead & 0x03) << 6) | (next & 0x3F));
    } else {
      return Status::error("a character above U+00FF");
    }
  }
  return out;
}

} // namespace liprt::utf8
