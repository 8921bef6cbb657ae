//===- SpecGen.cpp - Evaluate a spec and emit the lip dialect -------------===//
//
// The evaluator: sizes and arithmetic, names, defs (with their own scope and
// keyword arguments), repeats, and the model function. Layer calls are in
// Builtins.cpp; the settings sections in Sections.cpp.
//
//===----------------------------------------------------------------------===//

#include "Generator.h"


#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace lipc::spec;
using llvm::SMLoc;

std::string Val::describe() const {
  switch (kind) {
  case Kind::Error:
    return "an invalid value";
  case Kind::Number:
    return "a number";
  case Kind::Bool:
    return "a boolean";
  case Kind::String:
    return "a string";
  case Kind::Symbol:
    return "the name '" + text + "'";
  case Kind::Tensor:
    return "a tensor";
  case Kind::Record:
    return "a setting '" + record->name + "(...)'";
  case Kind::List:
    return "a list";
  }
  return "a value";
}

Location lipc::spec::toLocation(MLIRContext *ctx, const llvm::SourceMgr &sm, SMLoc l) {
  unsigned id = sm.FindBufferContainingLoc(l);
  if (id == 0)
    return UnknownLoc::get(ctx);
  auto [line, col] = sm.getLineAndColumn(l, id);
  return FileLineColLoc::get(ctx, sm.getMemoryBuffer(id)->getBufferIdentifier(), line, col);
}

Generator::Generator(const llvm::SourceMgr &sm, MLIRContext &ctx, const Defines &defines)
    : sourceMgr(sm), context(ctx), builder(&ctx), defines(defines) {}

Location Generator::loc(SMLoc l) const { return toLocation(&context, sourceMgr, l); }

InFlightDiagnostic Generator::error(SMLoc l) {
  ++errors;
  return mlir::emitError(loc(l));
}

std::string Generator::num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

bool Generator::inRange(const Val &v, const NumberRange &range, const llvm::Twine &what) {
  if (v.kind == Val::Kind::Number && range.contains(v.number))
    return true;
  error(v.loc) << what << " must be " << range.describe() << ", got "
               << (v.kind == Val::Kind::Number ? num(v.number) : v.describe());
  return false;
}

std::string Generator::suggest(llvm::StringRef name, llvm::ArrayRef<std::string> candidates) {
  std::string best;
  unsigned bestDistance = 3;
  for (const std::string &c : candidates) {
    unsigned d = name.edit_distance(c, /*AllowReplacements=*/true, bestDistance);
    if (d < bestDistance || (d == bestDistance && best.empty() && d < 3)) {
      bestDistance = d;
      best = c;
    }
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

bool Generator::step(SMLoc at) {
  if (++evalSteps <= kMaxEvalSteps)
    return true;
  if (evalSteps == kMaxEvalSteps + 1)
    error(at) << "the spec takes more than " << kMaxEvalSteps
              << " evaluation steps (each expression and each repeat iteration is one, "
                 "repeats unrolled); is a repeat count too large?";
  return false;
}

Val Generator::eval(const Expr &e, Env &env, Context ctx) {
  if (!step(e.loc))
    return Val::error(e.loc);
  switch (e.kind) {
  case Expr::Kind::Number:
    return Val::ofNumber(e.number, e.loc);
  case Expr::Kind::String:
    return Val::ofText(Val::Kind::String, e.text, e.loc);
  case Expr::Kind::Bool: {
    Val v;
    v.kind = Val::Kind::Bool;
    v.boolean = e.boolean;
    v.loc = e.loc;
    return v;
  }
  case Expr::Kind::Name: {
    for (Env *scope : {&env, &globals}) {
      auto it = scope->find(e.text);
      if (it != scope->end()) {
        Val v = it->second;
        v.loc = e.loc;
        return v;
      }
    }
    if (ctx == Context::Settings)
      return Val::ofText(Val::Kind::Symbol, e.text, e.loc);
    std::vector<std::string> known;
    for (Env *scope : {&env, &globals})
      for (auto &entry : *scope)
        known.push_back(entry.first);
    error(e.loc) << "undefined name '" << e.text << "'" << suggest(e.text, known);
    return Val::error(e.loc);
  }
  case Expr::Kind::Negate: {
    Val v = eval(*e.operands[0], env, ctx);
    if (v.kind == Val::Kind::Number)
      return Val::ofNumber(-v.number, e.loc);
    if (v.kind == Val::Kind::Tensor)
      return scaleTensor(v, -1.0, e.loc);
    if (!v.isError())
      error(e.loc) << "cannot negate " << v.describe();
    return Val::error(e.loc);
  }
  case Expr::Kind::Binary:
    return evalBinary(e, env, ctx);
  case Expr::Kind::Call:
    return evalCall(e, env, ctx);
  case Expr::Kind::List: {
    Val v;
    v.kind = Val::Kind::List;
    v.loc = e.loc;
    for (const ExprPtr &item : e.operands) {
      v.list.push_back(eval(*item, env, ctx));
      if (v.list.back().isError())
        return Val::error(e.loc);
    }
    return v;
  }
  }
  return Val::error(e.loc);
}

/// A chain is folded left to right in a loop, so its length costs no stack.
/// Every operand is evaluated, even after an error, to report its errors too.
Val Generator::evalBinary(const Expr &e, Env &env, Context ctx) {
  Val result = eval(*e.operands[0], env, ctx);
  for (auto [op, operand] : llvm::zip_equal(e.ops, llvm::drop_begin(e.operands))) {
    Val rhs = eval(*operand, env, ctx);
    result = result.isError() || rhs.isError() ? Val::error(op.loc) : applyBinary(op, result, rhs);
  }
  return result;
}

Val Generator::applyBinary(BinaryOp op, const Val &lhs, const Val &rhs) {
  using K = Val::Kind;
  SMLoc at = op.loc;
  if (op.symbol == '/' && rhs.kind == K::Number && rhs.number == 0) {
    error(at) << "division by zero";
    return Val::error(at);
  }
  if (lhs.kind == K::Number && rhs.kind == K::Number) {
    double value = op.symbol == '+'   ? lhs.number + rhs.number
                   : op.symbol == '-' ? lhs.number - rhs.number
                   : op.symbol == '*' ? lhs.number * rhs.number
                                      : lhs.number / rhs.number;
    // Every number of a spec is finite: no setting or size can be infinite.
    if (!std::isfinite(value)) {
      error(at) << "'" << op.symbol << "' overflows: " << num(lhs.number) << " " << op.symbol
                << " " << num(rhs.number) << " is beyond the range of a number";
      return Val::error(at);
    }
    return Val::ofNumber(value, at);
  }
  if (lhs.kind == K::Tensor && rhs.kind == K::Tensor && (op.symbol == '+' || op.symbol == '-')) {
    if (!expectSameShape(lhs, rhs, op.symbol == '+' ? "'+'" : "'-'"))
      return Val::error(at);
    Val right = op.symbol == '-' ? scaleTensor(rhs, -1.0, at) : rhs;
    Value sum = builder.create<lip::AddOp>(opLoc(at, "add"), lhs.tensor.getType(), lhs.tensor,
                                           right.tensor);
    return Val::ofTensor(sum, at);
  }
  if (lhs.kind == K::Tensor && rhs.kind == K::Number && (op.symbol == '*' || op.symbol == '/'))
    return scaleTensor(lhs, op.symbol == '*' ? rhs.number : 1.0 / rhs.number, at);
  if (lhs.kind == K::Number && rhs.kind == K::Tensor && op.symbol == '*')
    return scaleTensor(rhs, lhs.number, at);
  error(at) << "cannot apply '" << op.symbol << "' to " << lhs.describe() << " and "
            << rhs.describe();
  return Val::error(at);
}

bool Generator::bindArgs(const Expr &call, const std::vector<Val> &positional,
                         const std::vector<std::pair<const KeywordArg *, Val>> &keywords,
                         const Signature &sig, BoundArgs &out) {
  if (positional.size() > sig.positional.size()) {
    error(call.loc) << "'" << call.text << "' takes " << sig.positional.size()
                    << " positional argument" << (sig.positional.size() == 1 ? "" : "s")
                    << " (" << llvm::join(sig.positional, ", ") << "), got "
                    << positional.size();
    return false;
  }
  for (size_t i = 0; i < positional.size(); ++i)
    out.values[sig.positional[i]] = positional[i];
  bool ok = true;
  for (const auto &[kw, value] : keywords) {
    bool known = llvm::is_contained(sig.positional, kw->name) ||
                 llvm::is_contained(sig.optional, kw->name);
    if (!known) {
      std::vector<std::string> all = sig.positional;
      all.insert(all.end(), sig.optional.begin(), sig.optional.end());
      error(kw->loc) << "'" << call.text << "' has no argument '" << kw->name << "'"
                     << suggest(kw->name, all);
      ok = false;
    } else if (out.has(kw->name)) {
      error(kw->loc) << "argument '" << kw->name << "' of '" << call.text << "' is given twice";
      ok = false;
    } else {
      out.values[kw->name] = value;
    }
  }
  for (const std::string &name : sig.positional)
    if (ok && !out.has(name)) {
      error(call.loc) << "'" << call.text << "' needs the argument '" << name << "' ("
                      << sig.positional.size() << " positional: "
                      << llvm::join(sig.positional, ", ") << ")";
      ok = false;
    }
  return ok;
}

Val Generator::evalCall(const Expr &e, Env &env, Context ctx) {
  std::vector<Val> positional;
  std::vector<std::pair<const KeywordArg *, Val>> keywords;
  bool ok = true;
  for (const ExprPtr &arg : e.operands) {
    positional.push_back(eval(*arg, env, ctx));
    ok &= !positional.back().isError();
  }
  for (const KeywordArg &kw : e.keywords) {
    // These arguments name things (a method, a group, a formula), not values.
    bool naming = kw.name == "method" || kw.name == "group" || kw.name == "approximation";
    keywords.emplace_back(&kw, eval(*kw.value, env, naming ? Context::Settings : ctx));
    ok &= !keywords.back().second.isError();
  }
  if (!ok)
    return Val::error(e.loc);

  if (ctx == Context::Settings) {
    Val v;
    v.kind = Val::Kind::Record;
    v.loc = e.loc;
    v.record = std::make_shared<Record>();
    v.record->name = e.text;
    v.record->args = std::move(positional);
    for (auto &[kw, value] : keywords)
      v.record->keywords.emplace_back(kw->name, std::move(value));
    return v;
  }
  if (auto it = defs.find(e.text); it != defs.end()) {
    const Item &def = *it->second;
    Signature sig;
    for (const Param &p : def.params)
      (p.defaultValue ? sig.optional : sig.positional).push_back(p.name);
    if (!llvm::is_contained(sig.positional, "name") && !llvm::is_contained(sig.optional, "name"))
      sig.optional.push_back("name");
    // Parameters with defaults may also be passed by position, in order.
    for (const Param &p : def.params)
      if (p.defaultValue && positional.size() > sig.positional.size()) {
        sig.positional.push_back(p.name);
        llvm::erase(sig.optional, p.name);
      }
    BoundArgs args;
    if (!bindArgs(e, positional, keywords, sig, args))
      return Val::error(e.loc);
    if (++callDepth > kMaxCallDepth) {
      error(e.loc) << "calls nest deeper than " << kMaxCallDepth << " (recursive def?)";
      --callDepth;
      return Val::error(e.loc);
    }
    Env local;
    for (const Param &p : def.params)
      local[p.name] = args.has(p.name) ? args.get(p.name)
                                       : eval(*p.defaultValue, globals, Context::Model);
    std::string scope = def.name;
    if (args.has("name") && !llvm::any_of(def.params, [](const Param &p) { return p.name == "name"; })) {
      const Val &n = args.get("name");
      if (n.kind != Val::Kind::String) {
        error(n.loc) << "'name' must be a string, got " << n.describe();
        --callDepth;
        return Val::error(e.loc);
      }
      scope = n.text;
    }
    scopes.push_back(scope);
    std::optional<Val> returned;
    bool bodyOk = execBlock(def.body, local, returned);
    scopes.pop_back();
    --callDepth;
    if (!bodyOk)
      return Val::error(e.loc);
    if (!returned) {
      error(def.loc) << "def '" << def.name << "' has no return statement";
      return Val::error(e.loc);
    }
    return *returned;
  }
  if (llvm::is_contained(builtinNames(), e.text))
    return callBuiltin(e, positional, keywords);
  std::vector<std::string> known = builtinNames();
  for (auto &entry : defs)
    known.push_back(entry.first);
  error(e.loc) << "unknown function '" << e.text << "'" << suggest(e.text, known);
  return Val::error(e.loc);
}

//===----------------------------------------------------------------------===//
// Statements and the model
//===----------------------------------------------------------------------===//

bool Generator::execBlock(const Block &block, Env &env, std::optional<Val> &returned) {
  bool ok = true;
  for (const Stmt &s : block) {
    if (returned) {
      error(s.loc) << "statement after 'return' is never reached";
      return false;
    }
    switch (s.kind) {
    case Stmt::Kind::Let:
    case Stmt::Kind::Assign: {
      Val v = eval(*s.value, env, Context::Model);
      ok &= !v.isError();
      env[s.name] = std::move(v);
      break;
    }
    case Stmt::Kind::Return: {
      Val v = eval(*s.value, env, Context::Model);
      if (v.isError())
        return false;
      returned = std::move(v);
      break;
    }
    case Stmt::Kind::Repeat: {
      Val count = eval(*s.value, env, Context::Model);
      if (count.isError() || !inRange(count, wholeRange(1, kMaxRepeat), "repeat count"))
        return false;
      for (int64_t i = 0; i < static_cast<int64_t>(count.number); ++i) {
        // An iteration is a step even when its body has none to take.
        if (!step(s.loc))
          return false;
        scopes.push_back(s.name + std::to_string(i));
        std::optional<Val> inner;
        bool bodyOk = execBlock(s.body, env, inner);
        scopes.pop_back();
        if (inner) {
          error(s.loc) << "'return' inside 'repeat' is not allowed";
          return false;
        }
        if (!bodyOk)
          return false;
      }
      break;
    }
    }
  }
  return ok;
}

mlir::Type Generator::inputType(const Val &type, SMLoc at, std::optional<double> &rmsBound,
                                std::optional<int64_t> &vocab) {
  auto fail = [&]() -> mlir::Type {
    error(at) << "an input's type must be tokens(length, vocab = V) or "
                 "features(d1, ..., rms = r), got "
              << type.describe();
    return {};
  };
  if (type.kind != Val::Kind::Record)
    return fail();
  const Record &r = *type.record;
  bool isTokens = r.name == "tokens";
  if (!isTokens && r.name != "features")
    return fail();
  SmallVector<int64_t> shape = {ShapedType::kDynamic};
  for (const Val &d : r.args) {
    if (!inRange(d, kDimensionRange, "a dimension"))
      return {};
    shape.push_back(static_cast<int64_t>(d.number));
  }
  if (shape.size() < 2 || (isTokens && shape.size() != 2)) {
    error(at) << (isTokens ? "tokens(...) takes one length" : "features(...) needs at least one dimension");
    return {};
  }
  if (!checkExampleSize(shape, at))
    return {};
  llvm::StringRef setting = isTokens ? "vocab" : "rms";
  for (const auto &[name, value] : r.keywords) {
    if (name != setting) {
      error(value.loc) << "'" << r.name << "' has no setting '" << name << "' (its setting: "
                       << setting << ")";
      return {};
    }
    if (!inRange(value, isTokens ? kDimensionRange : kPositive, r.name + "(...) " + name))
      return {};
    if (isTokens)
      vocab = static_cast<int64_t>(value.number);
    else
      rmsBound = value.number;
  }
  if (isTokens) {
    if (!vocab) {
      error(at) << "tokens(...) needs the vocabulary size: tokens(length, vocab = V)";
      return {};
    }
    return RankedTensorType::get(shape, builder.getI32Type());
  }
  return RankedTensorType::get(shape, builder.getF32Type());
}

bool Generator::buildModel(const Item &model) {
  SmallVector<Type> argTypes;
  SmallVector<std::optional<double>> bounds;
  SmallVector<std::optional<int64_t>> vocabs;
  bool ok = true;
  for (const Param &input : model.params) {
    Val type = eval(*input.defaultValue, globals, Context::Settings);
    std::optional<double> bound;
    std::optional<int64_t> vocab;
    Type t = type.isError() ? Type() : inputType(type, input.defaultValue->loc, bound, vocab);
    ok &= static_cast<bool>(t);
    argTypes.push_back(t ? t : builder.getF32Type());
    bounds.push_back(bound);
    vocabs.push_back(vocab);
  }
  if (!ok)
    return false;
  if (model.params.empty()) {
    error(model.loc) << "model '" << model.name << "' has no inputs";
    return false;
  }
  builder.setInsertionPointToEnd(result.module->getBody());
  auto func = builder.create<func::FuncOp>(loc(model.loc), model.name,
                                           builder.getFunctionType(argTypes, {}));
  result.model = func;
  mlir::Block *entry = func.addEntryBlock();
  Env env;
  for (auto [i, input] : llvm::enumerate(model.params)) {
    if (vocabs[i]) {
      func.setArgAttr(i, lip::kVocabAttrName, builder.getI64IntegerAttr(*vocabs[i]));
      result.tokenInput = true;
    } else if (bounds[i]) {
      func.setArgAttr(i, lip::kRmsBoundAttrName, builder.getF64FloatAttr(*bounds[i]));
    }
    env[input.name] = Val::ofTensor(entry->getArgument(i), input.loc);
    layerOf[entry->getArgument(i)] = input.name;
  }
  builder.setInsertionPointToStart(entry);
  std::optional<Val> returned;
  if (!execBlock(model.body, env, returned))
    return false;
  if (!returned) {
    error(model.loc) << "model '" << model.name << "' has no return statement";
    return false;
  }
  if (returned->kind != Val::Kind::Tensor) {
    error(returned->loc) << "a model must return a tensor, got " << returned->describe();
    return false;
  }
  builder.create<func::ReturnOp>(loc(returned->loc), returned->tensor);
  func.setType(builder.getFunctionType(argTypes, {returned->tensor.getType()}));
  return true;
}

void Generator::readLet(const Item &item) {
  if (globals.count(item.name)) {
    error(item.loc) << "'" << item.name << "' is already defined";
    return;
  }
  // A define replaces the expression: it is not evaluated, so an error in
  // it does not keep a variant from compiling.
  if (auto defined = defines.find(item.name); defined != defines.end()) {
    globals[item.name] = Val::ofNumber(defined->second, item.loc);
    return;
  }
  Val v = eval(*item.value, globals, Context::Model);
  if (!v.isError() && v.kind == Val::Kind::Tensor) {
    error(item.loc) << "'let' at top level defines a size or setting, not a tensor";
    v = Val::error(item.loc);
  }
  globals[item.name] = v;
}

void Generator::checkDefinesUsed(const Spec &spec) {
  std::vector<std::string> lets;
  for (const Item &item : spec.items)
    if (item.kind == Item::Kind::Let)
      lets.push_back(item.name);
  SMLoc start = SMLoc::getFromPointer(
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBufferStart());
  for (const auto &[name, value] : defines)
    if (std::find(lets.begin(), lets.end(), name) == lets.end())
      error(start) << "-D " << name << "=" << num(value) << ": the spec has no top-level 'let "
                   << name << "'" << suggest(name, lets);
}

FailureOr<CompiledSpec> Generator::run(const Spec &spec) {
  result.module = ModuleOp::create(builder.getUnknownLoc());
  const Item *model = nullptr;
  for (const Item &item : spec.items) {
    switch (item.kind) {
    case Item::Kind::Let:
      readLet(item);
      break;
    case Item::Kind::Def:
      if (!defs.emplace(item.name, &item).second)
        error(item.loc) << "def '" << item.name << "' is already defined";
      break;
    case Item::Kind::Model:
      if (model)
        error(item.loc) << "a spec defines one model; '" << model->name
                        << "' is already defined";
      else
        model = &item;
      break;
    case Item::Kind::Constraint:
      readConstraintGroup(item);
      break;
    case Item::Kind::Budget:
      readBudget(item);
      break;
    case Item::Kind::Train:
      readTrain(item);
      break;
    }
  }
  checkDefinesUsed(spec);
  if (!model) {
    SMLoc start = SMLoc::getFromPointer(
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBufferStart());
    error(start) << "the spec defines no model (expected 'model NAME(inputs) { ... }')";
    return failure();
  }
  if (!buildModel(*model) || errors)
    return failure();
  if (result.budget)
    result.model->setAttr("lip.budget", builder.getF64FloatAttr(result.budget->max));
  if (result.train && result.tokenInput && result.train->seq) {
    auto type = cast<RankedTensorType>(result.model.getArgument(0).getType());
    if (type.getDimSize(1) != result.train->seq) {
      error(result.train->loc) << "train.seq = " << result.train->seq
                               << " does not match the model's token input length "
                               << type.getDimSize(1);
      return failure();
    }
  }
  if (failed(mlir::verify(*result.module)))
    return failure();
  return std::move(result);
}

FailureOr<CompiledSpec> lipc::spec::generateLip(const Spec &spec, const llvm::SourceMgr &sm,
                                                MLIRContext &context, const Defines &defines) {
  context.loadDialect<mlir::lip::LipDialect, func::FuncDialect>();
  Generator generator(sm, context, defines);
  return generator.run(spec);
}
