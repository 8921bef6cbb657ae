//===- Lexer.h - Tokens of the lipc model spec language ---------*- C++ -*-===//
//
// Splits a spec into tokens. Newlines are not significant; `#` starts a
// comment to the end of the line. Bytes that cannot appear in a text spec
// (NUL, control characters, invalid UTF-8 outside strings and comments) are
// reported as errors, so a binary file gives a clear message, not a crash.
//
//===----------------------------------------------------------------------===//

#ifndef LIPSPEC_LEXER_H
#define LIPSPEC_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"

#include <functional>
#include <optional>
#include <string>

namespace lipc::spec {

enum class TokenKind {
  Eof,
  Error,
  Identifier,
  Number,
  String,
  // Keywords.
  KwLet,
  KwConstraint,
  KwDef,
  KwModel,
  KwBudget,
  KwTrain,
  KwRepeat,
  KwAs,
  KwReturn,
  KwTrue,
  KwFalse,
  // Punctuation.
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Equal,
  Plus,
  Minus,
  Star,
  Slash,
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  llvm::StringRef text;
  double number = 0;
  std::string stringValue;
  llvm::SMLoc loc;
};

/// Reports an error at a location; the lexer keeps going after it.
using ErrorReporter = std::function<void(llvm::SMLoc, const llvm::Twine &)>;

class Lexer {
public:
  Lexer(llvm::StringRef buffer, ErrorReporter report);

  Token next();

  /// How a token kind reads in messages ("identifier", "'{'").
  static std::string describe(TokenKind kind);

  /// The offset of the first byte that cannot be in a text spec (NUL, a
  /// control character, invalid UTF-8), if any: binary input is rejected with
  /// one message instead of a flood of lexer errors.
  static std::optional<size_t> findBinaryByte(llvm::StringRef buffer);

private:
  Token make(TokenKind kind, const char *begin);
  Token lexNumber(const char *begin);
  Token lexString(const char *begin);
  void skipSpaceAndComments();
  /// Length of a valid UTF-8 sequence at `p`, 0 if invalid.
  size_t utf8Length(const char *p) const;

  const char *cur;
  const char *end;
  ErrorReporter report;
};

} // namespace lipc::spec

#endif // LIPSPEC_LEXER_H
