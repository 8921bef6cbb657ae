//===- Lexer.cpp - Tokens of the lipc model spec language -----------------===//

#include "lipspec/Lexer.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

using namespace lipc::spec;

Lexer::Lexer(llvm::StringRef buffer, ErrorReporter report)
    : cur(buffer.begin()), end(buffer.end()), report(std::move(report)) {}

Token Lexer::make(TokenKind kind, const char *begin) {
  Token t;
  t.kind = kind;
  t.text = llvm::StringRef(begin, cur - begin);
  t.loc = llvm::SMLoc::getFromPointer(begin);
  return t;
}

size_t Lexer::utf8Length(const char *p) const {
  auto c = static_cast<unsigned char>(*p);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || static_cast<size_t>(end - p) < n)
    return 0;
  for (size_t i = 1; i < n; ++i)
    if ((static_cast<unsigned char>(p[i]) >> 6) != 0x2)
      return 0;
  return n;
}

void Lexer::skipSpaceAndComments() {
  while (cur < end) {
    if (*cur == ' ' || *cur == '\t' || *cur == '\n' || *cur == '\r') {
      ++cur;
    } else if (*cur == '#') {
      while (cur < end && *cur != '\n') {
        size_t n = utf8Length(cur);
        cur += n ? n : 1;
      }
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  skipSpaceAndComments();
  const char *begin = cur;
  if (cur >= end)
    return make(TokenKind::Eof, begin);
  char c = *cur++;
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    while (cur < end && (std::isalnum(static_cast<unsigned char>(*cur)) || *cur == '_'))
      ++cur;
    llvm::StringRef word(begin, cur - begin);
    TokenKind kind = llvm::StringSwitch<TokenKind>(word)
                         .Case("let", TokenKind::KwLet)
                         .Case("constraint", TokenKind::KwConstraint)
                         .Case("def", TokenKind::KwDef)
                         .Case("model", TokenKind::KwModel)
                         .Case("budget", TokenKind::KwBudget)
                         .Case("train", TokenKind::KwTrain)
                         .Case("repeat", TokenKind::KwRepeat)
                         .Case("as", TokenKind::KwAs)
                         .Case("return", TokenKind::KwReturn)
                         .Case("true", TokenKind::KwTrue)
                         .Case("false", TokenKind::KwFalse)
                         .Default(TokenKind::Identifier);
    return make(kind, begin);
  }
  if (std::isdigit(static_cast<unsigned char>(c)) ||
      (c == '.' && cur < end && std::isdigit(static_cast<unsigned char>(*cur))))
    return lexNumber(begin);
  switch (c) {
  case '"':
    return lexString(begin);
  case '(':
    return make(TokenKind::LParen, begin);
  case ')':
    return make(TokenKind::RParen, begin);
  case '{':
    return make(TokenKind::LBrace, begin);
  case '}':
    return make(TokenKind::RBrace, begin);
  case '[':
    return make(TokenKind::LBracket, begin);
  case ']':
    return make(TokenKind::RBracket, begin);
  case ',':
    return make(TokenKind::Comma, begin);
  case ':':
    return make(TokenKind::Colon, begin);
  case '=':
    return make(TokenKind::Equal, begin);
  case '+':
    return make(TokenKind::Plus, begin);
  case '-':
    return make(TokenKind::Minus, begin);
  case '*':
    return make(TokenKind::Star, begin);
  case '/':
    return make(TokenKind::Slash, begin);
  default:
    break;
  }
  // Anything else is an error; consume a whole UTF-8 character if it is one.
  auto byte = static_cast<unsigned char>(c);
  std::string what;
  llvm::raw_string_ostream os(what);
  if (byte >= 0x20 && byte < 0x7f) {
    os << "unexpected character '" << c << "'";
  } else if (size_t n = utf8Length(begin); n > 1) {
    cur = begin + n;
    os << "unexpected character '" << llvm::StringRef(begin, n)
       << "' (only ASCII outside strings and comments)";
  } else {
    os << "unexpected byte " << llvm::format("0x%02x", byte)
       << " (is this a text file?)";
  }
  report(llvm::SMLoc::getFromPointer(begin), os.str());
  return make(TokenKind::Error, begin);
}

Token Lexer::lexNumber(const char *begin) {
  while (cur < end && std::isdigit(static_cast<unsigned char>(*cur)))
    ++cur;
  if (cur < end && *cur == '.') {
    ++cur;
    while (cur < end && std::isdigit(static_cast<unsigned char>(*cur)))
      ++cur;
  }
  if (cur < end && (*cur == 'e' || *cur == 'E')) {
    const char *mark = cur++;
    if (cur < end && (*cur == '+' || *cur == '-'))
      ++cur;
    if (cur < end && std::isdigit(static_cast<unsigned char>(*cur))) {
      while (cur < end && std::isdigit(static_cast<unsigned char>(*cur)))
        ++cur;
    } else {
      cur = mark;
    }
  }
  Token t = make(TokenKind::Number, begin);
  errno = 0;
  t.number = std::strtod(std::string(t.text).c_str(), nullptr);
  // Beyond a double (1e400) the value would be infinite; below its normal
  // range (1e-320) it would lose digits or become 0: not what was written.
  if (errno == ERANGE)
    report(t.loc, "number '" + t.text +
                      "' is out of range (a nonzero number lies between 2.2e-308 and 1.8e308)");
  return t;
}

Token Lexer::lexString(const char *begin) {
  std::string value;
  while (cur < end && *cur != '"' && *cur != '\n') {
    if (*cur == '\\' && cur + 1 < end) {
      char e = cur[1];
      value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      cur += 2;
      continue;
    }
    size_t n = utf8Length(cur);
    if (n == 0) {
      report(llvm::SMLoc::getFromPointer(cur), "invalid UTF-8 in string");
      n = 1;
    }
    value.append(cur, n);
    cur += n;
  }
  if (cur >= end || *cur != '"') {
    report(llvm::SMLoc::getFromPointer(begin), "unterminated string");
    return make(TokenKind::Error, begin);
  }
  ++cur;
  Token t = make(TokenKind::String, begin);
  t.stringValue = std::move(value);
  return t;
}

std::string Lexer::describe(TokenKind kind) {
  switch (kind) {
  case TokenKind::Eof:
    return "end of file";
  case TokenKind::Error:
    return "invalid input";
  case TokenKind::Identifier:
    return "a name";
  case TokenKind::Number:
    return "a number";
  case TokenKind::String:
    return "a string";
  case TokenKind::KwLet:
    return "'let'";
  case TokenKind::KwConstraint:
    return "'constraint'";
  case TokenKind::KwDef:
    return "'def'";
  case TokenKind::KwModel:
    return "'model'";
  case TokenKind::KwBudget:
    return "'budget'";
  case TokenKind::KwTrain:
    return "'train'";
  case TokenKind::KwRepeat:
    return "'repeat'";
  case TokenKind::KwAs:
    return "'as'";
  case TokenKind::KwReturn:
    return "'return'";
  case TokenKind::KwTrue:
    return "'true'";
  case TokenKind::KwFalse:
    return "'false'";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::LBrace:
    return "'{'";
  case TokenKind::RBrace:
    return "'}'";
  case TokenKind::LBracket:
    return "'['";
  case TokenKind::RBracket:
    return "']'";
  case TokenKind::Comma:
    return "','";
  case TokenKind::Colon:
    return "':'";
  case TokenKind::Equal:
    return "'='";
  case TokenKind::Plus:
    return "'+'";
  case TokenKind::Minus:
    return "'-'";
  case TokenKind::Star:
    return "'*'";
  case TokenKind::Slash:
    return "'/'";
  }
  return "token";
}

std::optional<size_t> Lexer::findBinaryByte(llvm::StringRef buffer) {
  Lexer scan(buffer, [](llvm::SMLoc, const llvm::Twine &) {});
  for (const char *p = buffer.begin(); p < buffer.end();) {
    auto c = static_cast<unsigned char>(*p);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      return p - buffer.begin();
    size_t n = scan.utf8Length(p);
    if (n == 0)
      return p - buffer.begin();
    p += n;
  }
  return std::nullopt;
}
