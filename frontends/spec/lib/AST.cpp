//===- AST.cpp - Printing the spec AST (lipc --emit=ast) ------------------===//

#include "lipspec/AST.h"

#include "llvm/Support/Format.h"

using namespace lipc::spec;

namespace {
class Dumper {
public:
  Dumper(const llvm::SourceMgr &sm, llvm::raw_ostream &os) : sm(sm), os(os) {}

  void item(const Item &item);

private:
  void indent() { os.indent(2 * depth); }
  void at(llvm::SMLoc l) {
    auto [line, col] = sm.getLineAndColumn(l);
    os << " @" << line << ":" << col;
  }
  void loc(llvm::SMLoc l) {
    at(l);
    os << "\n";
  }
  void expr(const Expr &e);
  void keywords(const std::vector<KeywordArg> &args);
  void block(const Block &b);

  const llvm::SourceMgr &sm;
  llvm::raw_ostream &os;
  int depth = 0;
};

void Dumper::keywords(const std::vector<KeywordArg> &args) {
  for (const KeywordArg &k : args) {
    indent();
    os << "Keyword " << k.name;
    loc(k.loc);
    ++depth;
    expr(*k.value);
    --depth;
  }
}

void Dumper::expr(const Expr &e) {
  indent();
  switch (e.kind) {
  case Expr::Kind::Number:
    os << "Number " << llvm::format("%g", e.number);
    break;
  case Expr::Kind::String:
    os << "String \"" << e.text << "\"";
    break;
  case Expr::Kind::Bool:
    os << "Bool " << (e.boolean ? "true" : "false");
    break;
  case Expr::Kind::Name:
    os << "Name " << e.text;
    break;
  case Expr::Kind::Negate:
    os << "Negate";
    break;
  case Expr::Kind::Binary:
    // Every operator of the chain where it stands: `Binary '+' @1:7 '-' @1:11`.
    os << "Binary";
    for (const BinaryOp &op : e.ops) {
      os << " '" << op.symbol << "'";
      at(op.loc);
    }
    os << "\n";
    break;
  case Expr::Kind::Call:
    os << "Call " << e.text;
    break;
  case Expr::Kind::List:
    os << "List";
    break;
  }
  if (e.kind != Expr::Kind::Binary)
    loc(e.loc);
  ++depth;
  for (const ExprPtr &operand : e.operands)
    expr(*operand);
  keywords(e.keywords);
  --depth;
}

void Dumper::block(const Block &b) {
  for (const Stmt &s : b) {
    indent();
    switch (s.kind) {
    case Stmt::Kind::Let:
      os << "Let " << s.name;
      break;
    case Stmt::Kind::Assign:
      os << "Assign " << s.name;
      break;
    case Stmt::Kind::Repeat:
      os << "Repeat as " << s.name;
      break;
    case Stmt::Kind::Return:
      os << "Return";
      break;
    }
    loc(s.loc);
    ++depth;
    expr(*s.value);
    block(s.body);
    --depth;
  }
}

void Dumper::item(const Item &item) {
  static const char *names[] = {"Let", "Constraint", "Def", "Model", "Budget", "Train"};
  os << names[static_cast<int>(item.kind)];
  if (!item.name.empty())
    os << " " << item.name;
  loc(item.loc);
  ++depth;
  if (item.value)
    expr(*item.value);
  for (const Param &p : item.params) {
    indent();
    os << (item.kind == Item::Kind::Model ? "Input " : "Param ") << p.name;
    loc(p.loc);
    if (p.defaultValue) {
      ++depth;
      expr(*p.defaultValue);
      --depth;
    }
  }
  keywords(item.fields);
  block(item.body);
  --depth;
}
} // namespace

void lipc::spec::dumpAST(const Spec &spec, const llvm::SourceMgr &sm, llvm::raw_ostream &os) {
  Dumper dumper(sm, os);
  for (const Item &item : spec.items)
    dumper.item(item);
}
