//===- Parser.h - Recursive-descent parser for model specs ------*- C++ -*-===//
//
// Builds the AST. On a syntax error it reports what was expected, skips to
// the next statement or item, and goes on, so one run reports every error.
// Nesting is bounded (kMaxNesting in lipspec/Limits.h), so no input can
// overflow the stack of the parser or of the passes over its AST.
//
//===----------------------------------------------------------------------===//

#ifndef LIPSPEC_PARSER_H
#define LIPSPEC_PARSER_H

#include "lipspec/AST.h"
#include "lipspec/Lexer.h"

namespace lipc::spec {

class Parser {
public:
  Parser(llvm::StringRef buffer, ErrorReporter report);

  /// Parses the whole buffer; check `errorCount()` afterwards.
  Spec parseSpec();
  unsigned errorCount() const { return errors; }

private:
  void advance();
  bool at(TokenKind kind) const { return tok.kind == kind; }
  bool consume(TokenKind kind);
  bool expect(TokenKind kind, llvm::StringRef context);
  void error(llvm::SMLoc loc, const llvm::Twine &message);
  void skipToItem();
  void skipToStatement();
  /// Skips a `{ ... }` block with the blocks inside it.
  void skipBlock();
  /// Reports (once per construct) a nesting level beyond kMaxNesting.
  bool tooDeep();

  bool parseItem(Item &item);
  bool parseFields(std::vector<KeywordArg> &fields, llvm::StringRef context);
  bool parseParams(std::vector<Param> &params, bool inputs);
  bool parseBlock(Block &block);
  bool parseStmt(Stmt &stmt);

  ExprPtr parseExpr();
  ExprPtr parseAdditive();
  ExprPtr parseMultiplicative();
  /// Left-associative `next (op next)*` with op one of two tokens.
  ExprPtr parseBinaryLevel(TokenKind first, TokenKind second, ExprPtr (Parser::*next)());
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  bool parseCallArgs(Expr &call);

  Lexer lexer;
  ErrorReporter report;
  Token tok;
  Token lookahead;
  bool hasLookahead = false;
  unsigned errors = 0;
  /// The nesting level being parsed (see kMaxNesting).
  unsigned depth = 0;
};

} // namespace lipc::spec

#endif // LIPSPEC_PARSER_H
