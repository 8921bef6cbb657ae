//===- MiniJson.cpp - A small JSON reader for the runtime -----------------===//

#include "MiniJson.h"

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>

namespace liprt::json {

namespace {
constexpr int kMaxDepth = 32;

void appendUtf8(std::string &out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

class Parser {
public:
  explicit Parser(const std::string &text) : s(text) {}

  Result<Value> document() {
    Value v;
    if (Status st = value(v, 0); !st)
      return st;
    skipSpace();
    if (pos != s.size())
      return fail("unexpected text after the JSON value");
    return v;
  }

private:
  Status fail(const std::string &what) const {
    return Status::error(what + " at byte " + std::to_string(pos));
  }
  void skipSpace() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
      ++pos;
  }
  bool literal(const char *word) {
    size_t n = std::string(word).size();
    if (s.compare(pos, n, word) != 0)
      return false;
    pos += n;
    return true;
  }

  Status value(Value &out, int depth) {
    if (depth > kMaxDepth)
      return fail("JSON nested too deeply");
    skipSpace();
    if (pos >= s.size())
      return fail("unexpected end of JSON");
    char c = s[pos];
    if (c == '{')
      return object(out, depth);
    if (c == '[')
      return array(out, depth);
    if (c == '"') {
      out.kind = Value::Kind::String;
      return string(out.string);
    }
    if (literal("true") || literal("false")) {
      out.kind = Value::Kind::Bool;
      out.boolean = c == 't';
      return Status::ok();
    }
    if (literal("null")) {
      out.kind = Value::Kind::Null;
      return Status::ok();
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      const char *begin = s.c_str() + pos;
      char *end = nullptr;
      out.number = std::strtod(begin, &end);
      if (end == begin || !std::isfinite(out.number))
        return fail("bad number");
      pos += end - begin;
      out.kind = Value::Kind::Number;
      return Status::ok();
    }
    return fail(std::string("unexpected character '") + c + "'");
  }

  Status string(std::string &out) {
    ++pos; // opening quote
    while (pos < s.size() && s[pos] != '"') {
      char c = s[pos++];
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= s.size())
        break;
      char e = s[pos++];
      switch (e) {
      case '"': case '\\': case '/': out += e; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t code;
        if (!hex4(code))
          return fail("bad \\u escape");
        // A code point above U+FFFF is a surrogate pair; a lone surrogate is
        // no character, and would make the string invalid UTF-8.
        if (code >= 0xD800 && code < 0xDC00) {
          uint32_t low;
          if (s.compare(pos, 2, "\\u") != 0 || (pos += 2, !hex4(low)) || low < 0xDC00 ||
              low >= 0xE000)
            return fail("unpaired surrogate in \\u escape");
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code < 0xE000) {
          return fail("unpaired surrogate in \\u escape");
        }
        appendUtf8(out, code);
        break;
      }
      default:
        return fail("bad escape in string");
      }
    }
    if (pos >= s.size())
      return fail("unterminated string");
    ++pos;
    return Status::ok();
  }

  /// Four hex digits at `pos`, consumed.
  bool hex4(uint32_t &code) {
    if (pos + 4 > s.size())
      return false;
    code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s[pos++];
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0)
        return false;
      code = code << 4 | static_cast<uint32_t>(digit);
    }
    return true;
  }

  Status array(Value &out, int depth) {
    out.kind = Value::Kind::Array;
    ++pos;
    skipSpace();
    if (pos < s.size() && s[pos] == ']') {
      ++pos;
      return Status::ok();
    }
    while (true) {
      out.array.emplace_back();
      if (Status st = value(out.array.back(), depth + 1); !st)
        return st;
      skipSpace();
      if (pos < s.size() && s[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < s.size() && s[pos] == ']') {
        ++pos;
        return Status::ok();
      }
      return fail("expected ',' or ']'");
    }
  }

  Status object(Value &out, int depth) {
    out.kind = Value::Kind::Object;
    ++pos;
    skipSpace();
    if (pos < s.size() && s[pos] == '}') {
      ++pos;
      return Status::ok();
    }
    while (true) {
      skipSpace();
      if (pos >= s.size() || s[pos] != '"')
        return fail("expected a member name");
      std::string key;
      if (Status st = string(key); !st)
        return st;
      skipSpace();
      if (pos >= s.size() || s[pos] != ':')
        return fail("expected ':'");
      ++pos;
      out.object.emplace_back(std::move(key), Value());
      if (Status st = value(out.object.back().second, depth + 1); !st)
        return st;
      skipSpace();
      if (pos < s.size() && s[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < s.size() && s[pos] == '}') {
        ++pos;
        return Status::ok();
      }
      return fail("expected ',' or '}'");
    }
  }

  const std::string &s;
  size_t pos = 0;
};
} // namespace

const Value *Value::get(const std::string &key) const {
  for (const auto &[k, v] : object)
    if (k == key)
      return &v;
  return nullptr;
}

bool Value::isInteger() const {
  return kind == Kind::Number && number == std::floor(number) && std::fabs(number) < 9e15;
}

Result<Value> parse(const std::string &text) { return Parser(text).document(); }

bool isUtf8(const std::string &text) {
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

std::string latin1ToUtf8(const std::string &bytes) {
  std::string out;
  for (char c : bytes)
    appendUtf8(out, static_cast<unsigned char>(c));
  return out;
}

Result<std::string> utf8ToLatin1(const std::string &text) {
  if (!isUtf8(text))
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

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

} // namespace liprt::json
