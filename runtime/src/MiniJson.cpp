//===- MiniJson.cpp - A small JSON reader for the runtime -----------------===//

#include "MiniJson.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace liprt::json {

namespace {
constexpr int kMaxDepth = 32;

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
        if (pos + 4 > s.size())
          return fail("bad \\u escape");
        unsigned code = std::strtoul(s.substr(pos, 4).c_str(), nullptr, 16);
        pos += 4;
        if (code < 0x80) {
          out += static_cast<char>(code);
        } else if (code < 0x800) {
          out += static_cast<char>(0xC0 | (code >> 6));
          out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (code >> 12));
          out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (code & 0x3F));
        }
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
