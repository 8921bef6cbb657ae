//===- Builtins.cpp - The layer functions of the spec language ------------===//
//
// Each builtin checks its arguments and shapes at the spec's location (so a
// user sees `linear` or `split_heads` in the message, not a verifier error),
// then creates the lip op with a NameLoc naming it after its scope.
//
//===----------------------------------------------------------------------===//

#include "Generator.h"

#include "lip/Dialect/Lip/LipConstraints.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/GlobPattern.h"

using namespace mlir;
using namespace lipc::spec;
using llvm::SMLoc;

namespace {

std::vector<int64_t> shapeOf(Value v) {
  auto shape = cast<RankedTensorType>(v.getType()).getShape();
  return {shape.begin(), shape.end()};
}

RankedTensorType withShape(Value like, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, cast<RankedTensorType>(like.getType()).getElementType());
}
} // namespace

/// One call of a builtin layer, its arguments bound and its first argument
/// (the input) checked.
struct Generator::BuiltinCall {
  const Expr &call;
  llvm::StringRef name;
  llvm::SMLoc at;
  BoundArgs args;
  const Val *input = nullptr;

  const Val &x() const { return *input; }
  Val fail() const { return Val::error(at); }
};

/// A builtin layer: the arguments it takes and what builds it.
struct Generator::Builtin {
  Signature signature;
  Val (Generator::*build)(BuiltinCall &);
};

const std::vector<std::string> &Generator::builtinNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto &entry : builtins())
      n.push_back(entry.first);
    return n;
  }();
  return names;
}

std::string Generator::shapeString(Value v) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shapeOf(v)))
    s += (i ? ", " : "") + (ShapedType::isDynamic(d) ? std::string("batch") : std::to_string(d));
  return s + "]";
}

Location Generator::opLoc(SMLoc at, llvm::StringRef kind) {
  std::string name = llvm::join(scopes, ".");
  name += (name.empty() ? "" : ".") + kind.str();
  return NameLoc::get(builder.getStringAttr(name), loc(at));
}

std::string Generator::rootName(Value input) const {
  std::string scope = llvm::join(scopes, ".");
  auto it = layerOf.find(input);
  if (it != layerOf.end() && (scope.empty() || llvm::StringRef(it->second).starts_with(scope + ".")))
    return it->second;
  return scope;
}

Location Generator::namedLoc(SMLoc at, const std::string &name) {
  return NameLoc::get(builder.getStringAttr(name), loc(at));
}

bool Generator::expectTensor(const Val &v, llvm::StringRef what, llvm::StringRef callee) {
  if (v.kind == Val::Kind::Tensor &&
      isa<FloatType>(cast<RankedTensorType>(v.tensor.getType()).getElementType()))
    return true;
  error(v.loc) << "'" << callee << "' needs a float tensor as " << what << ", got "
               << (v.kind == Val::Kind::Tensor ? "token ids" : v.describe());
  return false;
}

bool Generator::expectRank(const Val &v, int64_t rank, llvm::StringRef callee,
                           llvm::StringRef layout) {
  if (shapeOf(v.tensor).size() == static_cast<size_t>(rank))
    return true;
  error(v.loc) << "shape mismatch: '" << callee << "' needs " << layout << ", got "
               << shapeString(v.tensor);
  return false;
}

bool Generator::expectSameShape(const Val &a, const Val &b, llvm::StringRef callee) {
  if (a.tensor.getType() == b.tensor.getType())
    return true;
  error(b.loc) << "shape mismatch: " << callee << " combines " << shapeString(a.tensor)
               << " with " << shapeString(b.tensor);
  return false;
}

bool Generator::checkExampleSize(ArrayRef<int64_t> shape, SMLoc at) {
  // Each factor is at most kMaxElements, so the product cannot overflow
  // before the loop stops.
  int64_t elements = 1;
  for (int64_t d : shape.drop_front()) {
    elements *= d;
    if (elements > kMaxElements) {
      error(at) << "one example of this tensor ([batch, "
                << llvm::join(llvm::map_range(shape.drop_front(),
                                              [](int64_t n) { return std::to_string(n); }),
                              ", ")
                << "]) holds more than " << kMaxElements << " numbers (2^30, the limit)";
      return false;
    }
  }
  return true;
}

bool Generator::numberArg(const BoundArgs &args, const std::string &name, llvm::StringRef callee,
                          double fallback, double &out) {
  if (!args.has(name)) {
    out = fallback;
    return true;
  }
  const Val &v = args.get(name);
  if (v.kind != Val::Kind::Number) {
    error(v.loc) << "argument '" << name << "' of '" << callee << "' must be a number, got "
                 << v.describe();
    return false;
  }
  out = v.number;
  return true;
}

Val Generator::scaleTensor(const Val &t, double factor, SMLoc at) {
  std::string root = rootName(t.tensor);
  Value y = builder.create<lip::ScaleOp>(namedLoc(at, root.empty() ? "scale" : root + ".scale"),
                                         t.tensor.getType(), t.tensor,
                                         builder.getF64FloatAttr(factor));
  layerOf[y] = root;
  return Val::ofTensor(y, at);
}

const ParamGroup *Generator::findGroup(const std::string &paramName, const Expr &call,
                                       const BoundArgs &args) {
  std::vector<std::string> names;
  for (const ParamGroup &g : result.groups)
    names.push_back(g.name);
  if (args.has("group")) {
    const Val &g = args.get("group");
    if (g.kind != Val::Kind::String && g.kind != Val::Kind::Symbol) {
      error(g.loc) << "'group' must name a constraint group, got " << g.describe();
      return nullptr;
    }
    for (const ParamGroup &group : result.groups)
      if (group.name == g.text)
        return &group;
    error(g.loc) << "unknown constraint group '" << g.text << "'" << suggest(g.text, names);
    return nullptr;
  }
  for (const ParamGroup &group : result.groups)
    for (const std::string &pattern : group.patterns) {
      auto glob = llvm::GlobPattern::create(pattern);
      if (glob && glob->match(paramName))
        return &group;
    }
  for (const ParamGroup &group : result.groups)
    if (group.name == "default")
      return &group;
  if (args.has("method") && args.has("w_max"))
    return nullptr;
  error(call.loc) << "parameter '" << paramName
                  << "' matches no constraint group: declare `constraint default { method = "
                     "..., w_max = ... }`, add a `match` pattern, or pass method and w_max";
  return nullptr;
}

Value Generator::makeParam(const Expr &call, const BoundArgs &args, llvm::StringRef defaultName,
                           ArrayRef<int64_t> shape, lip::NormKind norm) {
  std::string leaf = defaultName.str();
  if (args.has("name")) {
    const Val &n = args.get("name");
    if (n.kind != Val::Kind::String) {
      error(n.loc) << "'name' must be a string, got " << n.describe();
      return {};
    }
    leaf = n.text;
  }
  std::string name = llvm::join(scopes, ".");
  name += (name.empty() ? "" : ".") + leaf;
  // Constraint errors are reported, but the parameter is still created (as
  // unconstrained) so that the layers after it are checked too.
  if (auto [it, inserted] = paramDefinedAt.emplace(name, call.loc); !inserted) {
    InFlightDiagnostic diag = error(call.loc);
    diag << "parameter '" << name << "' is defined twice; give the layers distinct names "
                                     "(name = \"...\", also on each call of a def)";
    diag.attachNote(loc(it->second)) << "'" << name << "' was first defined here";
  }
  const ParamGroup *group = findGroup(name, call, args);
  lip::ConstraintMethod method = group ? group->method : lip::ConstraintMethod::none;
  double wMax = group ? group->wMax : 1.0;
  if (args.has("method")) {
    const Val &m = args.get("method");
    auto parsed = lip::symbolizeConstraintMethod(m.text);
    if ((m.kind == Val::Kind::Symbol || m.kind == Val::Kind::String) && parsed) {
      method = *parsed;
    } else {
      std::vector<std::string> methods;
      for (uint32_t i = 0; i <= lip::getMaxEnumValForConstraintMethod(); ++i)
        methods.push_back(lip::stringifyConstraintMethod(static_cast<lip::ConstraintMethod>(i)).str());
      error(m.loc) << "unknown constraint method '" << m.text << "'" << suggest(m.text, methods);
    }
  }
  if (args.has("w_max") && inRange(args.get("w_max"), kWMaxRange, "w_max"))
    wMax = args.get("w_max").number;
  if (!lip::isMethodApplicable(method, norm)) {
    bool embed = norm == lip::NormKind::l1_to_rms;
    error(call.loc) << "constraint method '" << lip::stringifyConstraintMethod(method)
                    << "' cannot bound the " << (embed ? "embedding" : "linear weight") << " '"
                    << name << "'"
                    << (embed ? " (use embed_cap, weight_decay or none)"
                              : " (embed_cap is for embeddings)");
    method = lip::ConstraintMethod::none;
  }
  // A size is at most kMaxDimension, or kMaxElements after a flatten, so
  // this product cannot overflow, nor the sum that stops at the limit.
  int64_t elements = shape[0] * shape[1];
  if (elements > kMaxElements - paramElements) {
    if (paramElements <= kMaxElements)
      error(call.loc) << "parameter '" << name << "' [" << shape[0] << ", " << shape[1]
                      << "] brings the model's parameters to " << paramElements + elements
                      << " numbers, more than the limit of " << kMaxElements << " (2^30)";
    paramElements = kMaxElements + 1; // reported once
    return {};
  }
  paramElements += elements;
  result.paramGroup[name] = group && !args.has("method") && !args.has("w_max") ? group->name : "";
  auto attr = lip::ConstraintAttr::get(&context, method, wMax, norm);
  bool zero = group && group->zeroInit;
  if (args.has("init"))
    zero = zeroInit(args.get("init")).value_or(zero);
  return builder.create<lip::ParamOp>(NameLoc::get(builder.getStringAttr(name), loc(call.loc)),
                                      RankedTensorType::get(shape, builder.getF32Type()),
                                      builder.getStringAttr(name), attr, zero);
}

const std::map<std::string, Generator::Builtin> &Generator::builtins() {
  static const std::map<std::string, Builtin> table = {
      {"linear",
       {{{"input", "out"}, {"in", "name", "group", "method", "w_max", "init"}},
        &Generator::buildLinear}},
      {"embedding",
       {{{"ids", "width"}, {"name", "group", "method", "w_max", "init"}},
        &Generator::buildEmbedding}},
      {"position_embedding",
       {{{"ids", "width"}, {"name", "group", "method", "w_max", "init"}},
        &Generator::buildPositionEmbedding}},
      {"relu", {{{"input"}, {}}, &Generator::buildRelu}},
      {"abs", {{{"input"}, {}}, &Generator::buildAbs}},
      {"maxmin", {{{"input"}, {}}, &Generator::buildMaxMin}},
      {"gelu", {{{"input"}, {"scale", "approximation"}}, &Generator::buildGelu}},
      {"residual", {{{"input", "branch"}, {"alpha"}}, &Generator::buildResidual}},
      {"attention",
       {{{"query", "key", "value"}, {"causal", "logit_scale", "output_factor"}},
        &Generator::buildAttention}},
      {"rope", {{{"input"}, {"base"}}, &Generator::buildRope}},
      {"split_heads", {{{"input", "heads"}, {}}, &Generator::buildSplitHeads}},
      {"merge_heads", {{{"input"}, {}}, &Generator::buildMergeHeads}},
      {"concat", {{{"parts"}, {}}, &Generator::buildConcat}},
      {"flatten", {{{"input"}, {}}, &Generator::buildFlatten}},
      {"mean_pool", {{{"input"}, {}}, &Generator::buildMeanPool}},
      {"scale", {{{"input", "factor"}, {}}, &Generator::buildScale}},
  };
  return table;
}

Val Generator::callBuiltin(const Expr &call, const std::vector<Val> &positional,
                           const std::vector<std::pair<const KeywordArg *, Val>> &keywords) {
  const Builtin &builtin = builtins().at(call.text);
  BuiltinCall c{call, call.text, call.loc, {}};
  if (!bindArgs(call, positional, keywords, builtin.signature, c.args))
    return c.fail();
  const std::string &first = builtin.signature.positional[0];
  c.input = &c.args.get(first);
  if (first != "ids" && first != "parts" && !expectTensor(c.x(), "its " + first, c.name))
    return c.fail();
  return (this->*builtin.build)(c);
}

bool Generator::positiveIntArg(BuiltinCall &c, const std::string &arg, int64_t &out) {
  const Val &v = c.args.get(arg);
  if (!inRange(v, kDimensionRange, "argument '" + llvm::Twine(arg) + "' of '" + c.name + "'"))
    return false;
  out = static_cast<int64_t>(v.number);
  return true;
}

Val Generator::applyToInput(BuiltinCall &c,
                            llvm::function_ref<mlir::Value(mlir::Location, mlir::Type)> build) {
  // Ops on one tensor are named after the layer it comes from
  // (block0.attn.q.rope); the result records that layer for the next op.
  std::string root = rootName(c.x().tensor);
  Location l = namedLoc(c.at, root.empty() ? c.name.str() : root + "." + c.name.str());
  Value y = build(l, c.x().tensor.getType());
  if (!y)
    return c.fail();
  layerOf[y] = root;
  return Val::ofTensor(y, c.at);
}

Val Generator::buildLinear(BuiltinCall &c) {
  const Val &x = c.x();
  int64_t out;
  if (!positiveIntArg(c, "out", out))
    return c.fail();
  std::vector<int64_t> shape = shapeOf(x.tensor);
  int64_t width = shape.back();
  if (c.args.has("in")) {
    int64_t in;
    if (!positiveIntArg(c, "in", in))
      return c.fail();
    if (in != width) {
      error(x.loc) << "shape mismatch: linear layer expects input width " << in
                   << " (in = " << in << ") but its input " << shapeString(x.tensor)
                   << " has width " << width;
      return c.fail();
    }
  }
  shape.back() = out;
  if (!checkExampleSize(shape, c.at))
    return c.fail();
  Value w = makeParam(c.call, c.args, "linear", {out, width}, lip::NormKind::rms_to_rms);
  if (!w)
    return c.fail();
  Value y = builder.create<lip::LinearOp>(w.getLoc(), withShape(x.tensor, shape), x.tensor, w);
  layerOf[y] = cast<lip::ParamOp>(w.getDefiningOp()).getName().str();
  return Val::ofTensor(y, c.at);
}

std::optional<int64_t> Generator::tokenVocabulary(BuiltinCall &c) {
  const Val &x = c.x();
  auto arg = dyn_cast_or_null<BlockArgument>(x.tensor);
  auto vocab = arg ? result.model.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(),
                                                                 lip::kVocabAttrName)
                   : IntegerAttr();
  if (x.kind != Val::Kind::Tensor || !vocab) {
    error(x.loc) << "'" << c.name << "' needs token ids (an input of type tokens(...)), got "
                 << (x.kind == Val::Kind::Tensor ? "a float tensor" : x.describe());
    return std::nullopt;
  }
  return vocab.getInt();
}

Val Generator::embedRows(BuiltinCall &c, Value ids, int64_t rows, const char *defaultName) {
  int64_t width;
  if (!positiveIntArg(c, "width", width))
    return c.fail();
  std::vector<int64_t> shape = shapeOf(ids);
  shape.push_back(width);
  if (!checkExampleSize(shape, c.at))
    return c.fail();
  Value table = makeParam(c.call, c.args, defaultName, {rows, width}, lip::NormKind::l1_to_rms);
  if (!table)
    return c.fail();
  Value y = builder.create<lip::EmbeddingOp>(
      table.getLoc(), RankedTensorType::get(shape, builder.getF32Type()), ids, table);
  layerOf[y] = cast<lip::ParamOp>(table.getDefiningOp()).getName().str();
  return Val::ofTensor(y, c.at);
}

Val Generator::buildEmbedding(BuiltinCall &c) {
  std::optional<int64_t> vocab = tokenVocabulary(c);
  if (!vocab)
    return c.fail();
  return embedRows(c, c.x().tensor, *vocab, "embed");
}

// A learned row per position: the table has one row per token of the
// sequence, looked up by lip.positions, so it does not depend on the tokens.
Val Generator::buildPositionEmbedding(BuiltinCall &c) {
  if (!tokenVocabulary(c))
    return c.fail();
  Value ids = c.x().tensor;
  Value positions = builder.create<lip::PositionsOp>(opLoc(c.at, "positions"), ids);
  return embedRows(c, positions, shapeOf(ids).back(), "positions");
}

Val Generator::buildRelu(BuiltinCall &c) {
  return applyToInput(c, [&](Location l, Type type) {
    return builder.create<lip::ReluOp>(l, type, c.x().tensor).getResult();
  });
}

Val Generator::buildAbs(BuiltinCall &c) {
  return applyToInput(c, [&](Location l, Type type) {
    return builder.create<lip::AbsOp>(l, type, c.x().tensor).getResult();
  });
}

Val Generator::buildMaxMin(BuiltinCall &c) {
  if (shapeOf(c.x().tensor).back() % 2 != 0) {
    error(c.x().loc) << "shape mismatch: 'maxmin' sorts pairs and needs an even width, got "
                     << shapeString(c.x().tensor);
    return c.fail();
  }
  return applyToInput(c, [&](Location l, Type type) {
    return builder.create<lip::MaxMinOp>(l, type, c.x().tensor).getResult();
  });
}

Val Generator::buildGelu(BuiltinCall &c) {
  double scale;
  if (!numberArg(c.args, "scale", c.name, 1.0, scale))
    return c.fail();
  bool tanh = false;
  if (c.args.has("approximation")) {
    const Val &a = c.args.get("approximation");
    if (a.kind != Val::Kind::Symbol && a.kind != Val::Kind::String) {
      error(a.loc) << "'approximation' must be erf or tanh, got " << a.describe();
      return c.fail();
    }
    if (a.text != "erf" && a.text != "tanh") {
      error(a.loc) << "'approximation' must be erf or tanh, got '" << a.text << "'";
      return c.fail();
    }
    tanh = a.text == "tanh";
  }
  return applyToInput(c, [&](Location l, Type type) {
    return builder
        .create<lip::GeluOp>(l, type, c.x().tensor, tanh ? builder.getUnitAttr() : UnitAttr(),
                             builder.getF64FloatAttr(scale))
        .getResult();
  });
}

Val Generator::buildResidual(BuiltinCall &c) {
  const Val &x = c.x(), &branch = c.args.get("branch");
  double alpha;
  if (!expectTensor(branch, "its branch", c.name) ||
      !expectSameShape(x, branch, "'residual'") ||
      !numberArg(c.args, "alpha", c.name, 0.5, alpha))
    return c.fail();
  if (!c.args.has("alpha")) {
    error(c.at) << "'residual' needs alpha: residual(x, f(x), alpha = 1 / (2 * layers))";
    return c.fail();
  }
  if (!(alpha >= 0 && alpha <= 1)) {
    error(c.args.get("alpha").loc) << "alpha must lie in [0, 1] for a convex residual, got "
                                   << num(alpha);
    return c.fail();
  }
  // A residual belongs to its branch's scope: block0.attn.residual.
  std::string branchLayer = rootName(branch.tensor);
  std::string scope = llvm::StringRef(branchLayer).rsplit('.').first.str();
  if (branchLayer.find('.') == std::string::npos)
    scope = llvm::join(scopes, ".");
  std::string name = scope.empty() ? "residual" : scope + ".residual";
  Value y = builder.create<lip::ResidualOp>(namedLoc(c.at, name), x.tensor.getType(), x.tensor,
                                            branch.tensor, builder.getF64FloatAttr(alpha));
  layerOf[y] = name;
  return Val::ofTensor(y, c.at);
}

Val Generator::buildAttention(BuiltinCall &c) {
  const Val &x = c.x(), &k = c.args.get("key"), &v = c.args.get("value");
  double logitScale, outputFactor;
  if (!expectTensor(k, "its key", c.name) || !expectTensor(v, "its value", c.name) ||
      !expectRank(x, 4, c.name, "split heads [batch, tokens, heads, head_dim] (use split_heads)") ||
      !expectSameShape(x, k, "'attention'") || !expectSameShape(x, v, "'attention'") ||
      !numberArg(c.args, "logit_scale", c.name, 1.0, logitScale) ||
      !numberArg(c.args, "output_factor", c.name, 1.0, outputFactor))
    return c.fail();
  bool causal = true;
  if (c.args.has("causal")) {
    const Val &flag = c.args.get("causal");
    if (flag.kind != Val::Kind::Bool) {
      error(flag.loc) << "'causal' must be true or false, got " << flag.describe();
      return c.fail();
    }
    causal = flag.boolean;
  }
  Location attnLoc = opLoc(c.at, "attention");
  Value y = builder.create<lip::AttentionOp>(attnLoc, x.tensor.getType(), x.tensor, k.tensor,
                                             v.tensor, causal ? builder.getUnitAttr() : UnitAttr(),
                                             builder.getF64FloatAttr(logitScale),
                                             builder.getF64FloatAttr(outputFactor));
  layerOf[y] = cast<NameLoc>(attnLoc).getName().str();
  return Val::ofTensor(y, c.at);
}

Val Generator::buildRope(BuiltinCall &c) {
  const Val &x = c.x();
  double base;
  if (!expectRank(x, 4, c.name, "split heads [batch, tokens, heads, head_dim]") ||
      !numberArg(c.args, "base", c.name, 10000.0, base))
    return c.fail();
  if (shapeOf(x.tensor).back() % 2 != 0 || !(base > 1)) {
    error(c.at) << "'rope' needs an even head_dim and base > 1, got head_dim "
                << shapeOf(x.tensor).back() << " and base " << num(base);
    return c.fail();
  }
  return applyToInput(c, [&](Location l, Type type) {
    return builder.create<lip::RopeOp>(l, type, x.tensor, builder.getF64FloatAttr(base))
        .getResult();
  });
}

Val Generator::buildSplitHeads(BuiltinCall &c) {
  const Val &x = c.x();
  int64_t heads;
  if (!expectRank(x, 3, c.name, "[batch, tokens, width]") || !positiveIntArg(c, "heads", heads))
    return c.fail();
  std::vector<int64_t> shape = shapeOf(x.tensor);
  if (shape[2] % heads != 0) {
    error(c.args.get("heads").loc) << "shape mismatch: width " << shape[2]
                                   << " is not divisible by " << heads << " heads";
    return c.fail();
  }
  return applyToInput(c, [&](Location l, Type) {
    return builder
        .create<lip::SplitHeadsOp>(
            l, withShape(x.tensor, {shape[0], shape[1], heads, shape[2] / heads}), x.tensor)
        .getResult();
  });
}

Val Generator::buildMergeHeads(BuiltinCall &c) {
  const Val &x = c.x();
  if (!expectRank(x, 4, c.name, "[batch, tokens, heads, head_dim]"))
    return c.fail();
  std::vector<int64_t> s = shapeOf(x.tensor);
  return applyToInput(c, [&](Location l, Type) {
    return builder
        .create<lip::MergeHeadsOp>(l, withShape(x.tensor, {s[0], s[1], s[2] * s[3]}), x.tensor)
        .getResult();
  });
}

Val Generator::buildConcat(BuiltinCall &c) {
  const Val &list = c.x();
  if (list.kind != Val::Kind::List || list.list.empty()) {
    error(list.loc) << "'concat' needs a list of float tensors, [a, b, ...], got "
                    << (list.kind == Val::Kind::List ? "an empty list" : list.describe());
    return c.fail();
  }
  const Val &first = list.list.front();
  std::vector<mlir::Value> parts;
  std::vector<int64_t> shape; // first's, its last dimension the sum of the parts'
  for (const Val &part : list.list) {
    if (!expectTensor(part, "each part", c.name))
      return c.fail();
    std::vector<int64_t> got = shapeOf(part.tensor);
    if (shape.empty() && !got.empty()) {
      shape = got;
      shape.back() = 0;
    }
    if (got.empty() || got.size() != shape.size() ||
        !std::equal(got.begin(), got.end() - 1, shape.begin())) {
      error(part.loc) << "shape mismatch: 'concat' joins parts along their last dimension, "
                         "so they must agree on the others; "
                      << shapeString(part.tensor) << " against " << shapeString(first.tensor);
      return c.fail();
    }
    shape.back() += got.back();
    parts.push_back(part.tensor);
  }
  if (!checkExampleSize(shape, c.at))
    return c.fail();
  // The parts come from several layers: the concat belongs to the scope.
  Location at = opLoc(c.at, "concat");
  Value y = builder.create<lip::ConcatOp>(at, withShape(first.tensor, shape), parts);
  layerOf[y] = cast<NameLoc>(at).getName().str();
  return Val::ofTensor(y, c.at);
}

Val Generator::buildFlatten(BuiltinCall &c) {
  std::vector<int64_t> s = shapeOf(c.x().tensor);
  int64_t width = 1;
  for (size_t i = 1; i < s.size(); ++i)
    width *= s[i];
  return applyToInput(c, [&](Location l, Type) {
    return builder.create<lip::FlattenOp>(l, withShape(c.x().tensor, {s[0], width}), c.x().tensor)
        .getResult();
  });
}

Val Generator::buildMeanPool(BuiltinCall &c) {
  if (!expectRank(c.x(), 3, c.name, "[batch, tokens, width]"))
    return c.fail();
  std::vector<int64_t> s = shapeOf(c.x().tensor);
  return applyToInput(c, [&](Location l, Type) {
    return builder
        .create<lip::MeanPoolOp>(l, withShape(c.x().tensor, {s[0], s[2]}), c.x().tensor)
        .getResult();
  });
}

Val Generator::buildScale(BuiltinCall &c) {
  double factor;
  if (!numberArg(c.args, "factor", c.name, 1.0, factor))
    return c.fail();
  return applyToInput(c, [&](Location l, Type type) {
    return builder.create<lip::ScaleOp>(l, type, c.x().tensor, builder.getF64FloatAttr(factor))
        .getResult();
  });
}
