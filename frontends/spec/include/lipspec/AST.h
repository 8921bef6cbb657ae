//===- AST.h - Abstract syntax of the lipc model spec language --*- C++ -*-===//
//
// A spec is a list of top-level items: `let` sizes, `constraint` groups,
// `def` blocks, one `model`, an optional `budget` and `train` section. Every
// node keeps its source location for diagnostics and for the lip ops it
// becomes. docs/spec-grammar.md has the grammar.
//
//===----------------------------------------------------------------------===//

#ifndef LIPSPEC_AST_H
#define LIPSPEC_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace lipc::spec {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `name = value` inside a call, a section or a constraint group.
struct KeywordArg {
  std::string name;
  llvm::SMLoc loc;
  ExprPtr value;
};

/// An operator of a Binary chain and where it stands.
struct BinaryOp {
  char symbol; // + - * /
  llvm::SMLoc loc;
};

struct Expr {
  enum class Kind { Number, String, Bool, Name, Negate, Binary, Call, List };

  Kind kind;
  llvm::SMLoc loc;     // Binary: the first operator's
  double number = 0;   // Number
  bool boolean = false; // Bool
  std::string text;    // String value, Name, callee of a Call
  /// Binary: `operands[0] ops[0] operands[1] ops[1] ...`, left-associative,
  /// all of one precedence. A chain is one flat node, so a sum of thousands
  /// of terms is no deeper to parse, evaluate or destroy than a sum of two.
  std::vector<BinaryOp> ops;
  std::vector<ExprPtr> operands;   // Negate, Binary, Call positional args, List items
  std::vector<KeywordArg> keywords; // Call keyword args

  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
};

struct Stmt;
using Block = std::vector<Stmt>;

struct Stmt {
  enum class Kind { Let, Assign, Repeat, Return };

  Kind kind;
  llvm::SMLoc loc;
  std::string name; // Let/Assign target; Repeat scope name
  ExprPtr value;    // Let/Assign/Return value; Repeat count
  Block body;       // Repeat body
};

struct Param {
  std::string name;
  llvm::SMLoc loc;
  ExprPtr defaultValue; // null when required
};

struct Item {
  enum class Kind { Let, Constraint, Def, Model, Budget, Train };

  Kind kind;
  llvm::SMLoc loc;
  std::string name;               // Let, Constraint, Def, Model
  ExprPtr value;                  // Let
  std::vector<KeywordArg> fields; // Constraint, Budget, Train
  std::vector<Param> params;      // Def parameters, Model inputs (default = type)
  Block body;                     // Def, Model
};

struct Spec {
  std::vector<Item> items;
};

/// Prints the AST as an indented tree with line:col locations.
void dumpAST(const Spec &spec, const llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os);

} // namespace lipc::spec

#endif // LIPSPEC_AST_H
