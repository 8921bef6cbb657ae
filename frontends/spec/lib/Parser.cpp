//===- Parser.cpp - Recursive-descent parser for model specs --------------===//

#include "lipspec/Parser.h"

#include "lipspec/Limits.h"

#include "llvm/Support/SaveAndRestore.h"

using namespace lipc::spec;
using llvm::SMLoc;

Parser::Parser(llvm::StringRef buffer, ErrorReporter reporter)
    : lexer(buffer,
            [this](SMLoc loc, const llvm::Twine &msg) {
              ++errors;
              report(loc, msg);
            }),
      report(std::move(reporter)) {
  advance();
}

void Parser::advance() {
  if (hasLookahead) {
    tok = std::move(lookahead);
    hasLookahead = false;
  } else {
    tok = lexer.next();
  }
  // Lexical errors were reported by the lexer; skip the bad characters.
  while (tok.kind == TokenKind::Error)
    tok = lexer.next();
}

bool Parser::consume(TokenKind kind) {
  if (!at(kind))
    return false;
  advance();
  return true;
}

void Parser::error(SMLoc loc, const llvm::Twine &message) {
  ++errors;
  report(loc, message);
}

bool Parser::expect(TokenKind kind, llvm::StringRef context) {
  if (consume(kind))
    return true;
  error(tok.loc, "expected " + Lexer::describe(kind) + " " + context + ", found " +
                     (at(TokenKind::Eof) ? std::string("end of file")
                                         : "'" + tok.text.str() + "'"));
  return false;
}

static bool startsItem(TokenKind kind) {
  return kind == TokenKind::KwLet || kind == TokenKind::KwConstraint ||
         kind == TokenKind::KwDef || kind == TokenKind::KwModel ||
         kind == TokenKind::KwBudget || kind == TokenKind::KwTrain;
}

void Parser::skipToItem() {
  int depth = 0;
  while (!at(TokenKind::Eof) && !(depth <= 0 && startsItem(tok.kind))) {
    if (at(TokenKind::LBrace))
      ++depth;
    if (at(TokenKind::RBrace))
      --depth;
    advance();
  }
}

void Parser::skipToStatement() {
  // A statement starts with let/repeat/return or `name =`; a block ends at '}'.
  int depth = 0;
  while (!at(TokenKind::Eof)) {
    if (depth == 0 && (at(TokenKind::KwLet) || at(TokenKind::KwRepeat) ||
                       at(TokenKind::KwReturn) || at(TokenKind::RBrace)))
      return;
    if (depth == 0 && at(TokenKind::LBrace)) {
      // The body of the bad statement (a repeat's): its statements are not
      // this block's.
      skipBlock();
      continue;
    }
    if (depth == 0 && at(TokenKind::Identifier)) {
      lookahead = lexer.next();
      hasLookahead = true;
      if (lookahead.kind == TokenKind::Equal)
        return;
    }
    if (at(TokenKind::LParen) || at(TokenKind::LBracket))
      ++depth;
    if ((at(TokenKind::RParen) || at(TokenKind::RBracket)) && depth > 0)
      --depth;
    advance();
  }
}

void Parser::skipBlock() {
  int braces = 0;
  do {
    braces += at(TokenKind::LBrace) ? 1 : at(TokenKind::RBrace) ? -1 : 0;
    advance();
  } while (braces > 0 && !at(TokenKind::Eof));
}

bool Parser::tooDeep() {
  if (depth <= kMaxNesting)
    return false;
  error(tok.loc, "the spec nests deeper than " + llvm::Twine(kMaxNesting) +
                     " levels here (parentheses, brackets, calls, unary minus and repeat "
                     "blocks together)");
  return true;
}

Spec Parser::parseSpec() {
  Spec spec;
  while (!at(TokenKind::Eof)) {
    Item item;
    if (parseItem(item))
      spec.items.push_back(std::move(item));
    else
      skipToItem();
  }
  return spec;
}

bool Parser::parseItem(Item &item) {
  item.loc = tok.loc;
  TokenKind kind = tok.kind;
  switch (kind) {
  case TokenKind::KwLet:
    advance();
    item.kind = Item::Kind::Let;
    item.name = tok.text.str();
    if (!expect(TokenKind::Identifier, "after 'let'") ||
        !expect(TokenKind::Equal, "after the name"))
      return false;
    item.value = parseExpr();
    return item.value != nullptr;
  case TokenKind::KwConstraint:
    advance();
    item.kind = Item::Kind::Constraint;
    item.name = tok.text.str();
    return expect(TokenKind::Identifier, "naming the constraint group") &&
           parseFields(item.fields, "in the constraint group");
  case TokenKind::KwBudget:
  case TokenKind::KwTrain:
    advance();
    item.kind = kind == TokenKind::KwBudget ? Item::Kind::Budget : Item::Kind::Train;
    return parseFields(item.fields,
                       kind == TokenKind::KwBudget ? "in the budget" : "in the train section");
  case TokenKind::KwDef:
  case TokenKind::KwModel:
    advance();
    item.kind = kind == TokenKind::KwDef ? Item::Kind::Def : Item::Kind::Model;
    item.name = tok.text.str();
    return expect(TokenKind::Identifier, kind == TokenKind::KwDef ? "after 'def'" : "after 'model'") &&
           parseParams(item.params, kind == TokenKind::KwModel) && parseBlock(item.body);
  default:
    error(tok.loc, "expected 'let', 'constraint', 'def', 'model', 'budget' or 'train' at top "
                   "level, found '" +
                       tok.text + "'");
    advance();
    return false;
  }
}

bool Parser::parseFields(std::vector<KeywordArg> &fields, llvm::StringRef context) {
  if (!expect(TokenKind::LBrace, "to open the section"))
    return false;
  while (!at(TokenKind::RBrace)) {
    KeywordArg field;
    field.name = tok.text.str();
    field.loc = tok.loc;
    if (!expect(TokenKind::Identifier, ("for a setting " + context).str()) ||
        !expect(TokenKind::Equal, "after the setting's name"))
      return false;
    field.value = parseExpr();
    if (!field.value)
      return false;
    fields.push_back(std::move(field));
    consume(TokenKind::Comma);
    if (at(TokenKind::Eof))
      return expect(TokenKind::RBrace, "to close the section");
  }
  advance();
  return true;
}

bool Parser::parseParams(std::vector<Param> &params, bool inputs) {
  if (!expect(TokenKind::LParen, inputs ? "to open the model's inputs" : "to open the parameters"))
    return false;
  while (!at(TokenKind::RParen)) {
    Param p;
    p.name = tok.text.str();
    p.loc = tok.loc;
    if (!expect(TokenKind::Identifier, inputs ? "naming an input" : "naming a parameter"))
      return false;
    if (inputs) {
      if (!expect(TokenKind::Colon, "before the input's type"))
        return false;
      p.defaultValue = parseExpr();
      if (!p.defaultValue)
        return false;
    } else if (consume(TokenKind::Equal)) {
      p.defaultValue = parseExpr();
      if (!p.defaultValue)
        return false;
    }
    params.push_back(std::move(p));
    if (!consume(TokenKind::Comma))
      break;
  }
  return expect(TokenKind::RParen, inputs ? "to close the inputs" : "to close the parameters");
}

bool Parser::parseBlock(Block &block) {
  // A block's statements are one level deeper. A repeat's count comes first
  // at its block's level, so a block too deep is reported at the count.
  llvm::SaveAndRestore nested(depth, depth + 1);
  if (!expect(TokenKind::LBrace, "to open the block"))
    return false;
  while (!at(TokenKind::RBrace) && !at(TokenKind::Eof)) {
    Stmt stmt;
    if (parseStmt(stmt))
      block.push_back(std::move(stmt));
    else
      skipToStatement();
  }
  return expect(TokenKind::RBrace, "to close the block");
}

bool Parser::parseStmt(Stmt &stmt) {
  stmt.loc = tok.loc;
  if (consume(TokenKind::KwReturn)) {
    stmt.kind = Stmt::Kind::Return;
    stmt.value = parseExpr();
    return stmt.value != nullptr;
  }
  if (consume(TokenKind::KwRepeat)) {
    stmt.kind = Stmt::Kind::Repeat;
    stmt.value = parseExpr();
    if (!stmt.value || !expect(TokenKind::KwAs, "after the repeat count"))
      return false;
    stmt.name = tok.text.str();
    return expect(TokenKind::Identifier, "naming the repeated scope (e.g. 'block')") &&
           parseBlock(stmt.body);
  }
  stmt.kind = consume(TokenKind::KwLet) ? Stmt::Kind::Let : Stmt::Kind::Assign;
  stmt.name = tok.text.str();
  if (!expect(TokenKind::Identifier, "to start a statement (name = expression)") ||
      !expect(TokenKind::Equal, "after the name"))
    return false;
  stmt.value = parseExpr();
  return stmt.value != nullptr;
}

ExprPtr Parser::parseExpr() {
  // Every nested expression (in parentheses, brackets, a call) comes through
  // here: one nesting level.
  llvm::SaveAndRestore nested(depth, depth + 1);
  return tooDeep() ? nullptr : parseAdditive();
}

ExprPtr Parser::parseAdditive() {
  return parseBinaryLevel(TokenKind::Plus, TokenKind::Minus, &Parser::parseMultiplicative);
}

ExprPtr Parser::parseMultiplicative() {
  return parseBinaryLevel(TokenKind::Star, TokenKind::Slash, &Parser::parseUnary);
}

ExprPtr Parser::parseBinaryLevel(TokenKind first, TokenKind second, ExprPtr (Parser::*next)()) {
  ExprPtr lhs = (this->*next)();
  if (!lhs || !(at(first) || at(second)))
    return lhs;
  auto chain = std::make_unique<Expr>(Expr::Kind::Binary, tok.loc);
  chain->operands.push_back(std::move(lhs));
  while (at(first) || at(second)) {
    chain->ops.push_back({tok.text[0], tok.loc});
    advance();
    ExprPtr rhs = (this->*next)();
    if (!rhs)
      return nullptr;
    chain->operands.push_back(std::move(rhs));
  }
  return chain;
}

ExprPtr Parser::parseUnary() {
  if (at(TokenKind::Minus)) {
    auto e = std::make_unique<Expr>(Expr::Kind::Negate, tok.loc);
    advance();
    llvm::SaveAndRestore nested(depth, depth + 1);
    if (tooDeep())
      return nullptr;
    ExprPtr operand = parseUnary();
    if (!operand)
      return nullptr;
    e->operands.push_back(std::move(operand));
    return e;
  }
  return parsePrimary();
}

ExprPtr Parser::parsePrimary() {
  SMLoc loc = tok.loc;
  switch (tok.kind) {
  case TokenKind::Number: {
    auto e = std::make_unique<Expr>(Expr::Kind::Number, loc);
    e->number = tok.number;
    advance();
    return e;
  }
  case TokenKind::String: {
    auto e = std::make_unique<Expr>(Expr::Kind::String, loc);
    e->text = tok.stringValue;
    advance();
    return e;
  }
  case TokenKind::KwTrue:
  case TokenKind::KwFalse: {
    auto e = std::make_unique<Expr>(Expr::Kind::Bool, loc);
    e->boolean = at(TokenKind::KwTrue);
    advance();
    return e;
  }
  case TokenKind::Identifier: {
    std::string name = tok.text.str();
    advance();
    if (!at(TokenKind::LParen)) {
      auto e = std::make_unique<Expr>(Expr::Kind::Name, loc);
      e->text = std::move(name);
      return e;
    }
    auto e = std::make_unique<Expr>(Expr::Kind::Call, loc);
    e->text = std::move(name);
    advance();
    if (!parseCallArgs(*e))
      return nullptr;
    return e;
  }
  case TokenKind::LParen: {
    advance();
    ExprPtr inner = parseExpr();
    if (!inner || !expect(TokenKind::RParen, "to close the parenthesis"))
      return nullptr;
    return inner;
  }
  case TokenKind::LBracket: {
    auto e = std::make_unique<Expr>(Expr::Kind::List, loc);
    advance();
    while (!at(TokenKind::RBracket)) {
      ExprPtr item = parseExpr();
      if (!item)
        return nullptr;
      e->operands.push_back(std::move(item));
      if (!consume(TokenKind::Comma))
        break;
    }
    if (!expect(TokenKind::RBracket, "to close the list"))
      return nullptr;
    return e;
  }
  default:
    error(loc, "expected an expression, found " +
                   (at(TokenKind::Eof) ? std::string("end of file") : "'" + tok.text.str() + "'"));
    return nullptr;
  }
}

bool Parser::parseCallArgs(Expr &call) {
  while (!at(TokenKind::RParen)) {
    if (at(TokenKind::Identifier)) {
      lookahead = lexer.next();
      hasLookahead = true;
      if (lookahead.kind == TokenKind::Equal) {
        KeywordArg kw;
        kw.name = tok.text.str();
        kw.loc = tok.loc;
        advance();
        advance();
        kw.value = parseExpr();
        if (!kw.value)
          return false;
        call.keywords.push_back(std::move(kw));
        if (!consume(TokenKind::Comma))
          break;
        continue;
      }
    }
    if (!call.keywords.empty()) {
      error(tok.loc, "positional argument after keyword arguments");
      return false;
    }
    ExprPtr arg = parseExpr();
    if (!arg)
      return false;
    call.operands.push_back(std::move(arg));
    if (!consume(TokenKind::Comma))
      break;
  }
  return expect(TokenKind::RParen, "to close the call to '" + call.text + "'");
}
