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
const std::map<std::string, Signature> &signatures() {
  static const std::map<std::string, Signature> table = {
      {"linear", {{"input", "out"}, {"in", "name", "group", "method", "w_max", "init"}}},
      {"embedding", {{"ids", "width"}, {"name", "group", "method", "w_max", "init"}}},
      {"relu", {{"input"}, {}}},
      {"abs", {{"input"}, {}}},
      {"maxmin", {{"input"}, {}}},
      {"gelu", {{"input"}, {"scale", "approximation"}}},
      {"residual", {{"input", "branch"}, {"alpha"}}},
      {"attention", {{"query", "key", "value"}, {"causal", "logit_scale", "output_factor"}}},
      {"rope", {{"input"}, {"base"}}},
      {"split_heads", {{"input", "heads"}, {}}},
      {"merge_heads", {{"input"}, {}}},
      {"flatten", {{"input"}, {}}},
      {"mean_pool", {{"input"}, {}}},
      {"scale", {{"input", "factor"}, {}}},
  };
  return table;
}

std::vector<int64_t> shapeOf(Value v) {
  auto shape = cast<RankedTensorType>(v.getType()).getShape();
  return {shape.begin(), shape.end()};
}

RankedTensorType withShape(Value like, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, cast<RankedTensorType>(like.getType()).getElementType());
}
} // namespace

const std::vector<std::string> &Generator::builtinNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto &entry : signatures())
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

Val Generator::callBuiltin(const Expr &call, const std::vector<Val> &positional,
                           const std::vector<std::pair<const KeywordArg *, Val>> &keywords) {
  llvm::StringRef name = call.text;
  BoundArgs args;
  if (!bindArgs(call, positional, keywords, signatures().at(call.text), args))
    return Val::error(call.loc);
  SMLoc at = call.loc;
  auto fail = [&] { return Val::error(at); };
  auto positiveInt = [&](const std::string &arg, int64_t &out) {
    const Val &v = args.get(arg);
    if (!inRange(v, kDimensionRange, "argument '" + llvm::Twine(arg) + "' of '" + name + "'"))
      return false;
    out = static_cast<int64_t>(v.number);
    return true;
  };
  const std::string first = signatures().at(call.text).positional[0];
  if (name != "embedding" && !expectTensor(args.get(first), "its " + first, name))
    return fail();
  const Val &x = args.get(first);

  if (name == "linear") {
    int64_t out;
    if (!positiveInt("out", out))
      return fail();
    std::vector<int64_t> shape = shapeOf(x.tensor);
    int64_t width = shape.back();
    if (args.has("in")) {
      int64_t in;
      if (!positiveInt("in", in))
        return fail();
      if (in != width) {
        error(x.loc) << "shape mismatch: linear layer expects input width " << in
                     << " (in = " << in << ") but its input " << shapeString(x.tensor)
                     << " has width " << width;
        return fail();
      }
    }
    shape.back() = out;
    if (!checkExampleSize(shape, at))
      return fail();
    Value w = makeParam(call, args, "linear", {out, width}, lip::NormKind::rms_to_rms);
    if (!w)
      return fail();
    Value y = builder.create<lip::LinearOp>(w.getLoc(), withShape(x.tensor, shape), x.tensor, w);
    layerOf[y] = cast<lip::ParamOp>(w.getDefiningOp()).getName().str();
    return Val::ofTensor(y, at);
  }
  if (name == "embedding") {
    auto arg = dyn_cast_or_null<BlockArgument>(x.tensor);
    auto vocab = arg ? result.model.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(), lip::kVocabAttrName)
                     : IntegerAttr();
    if (x.kind != Val::Kind::Tensor || !vocab) {
      error(x.loc) << "'embedding' needs token ids (an input of type tokens(...)), got "
                   << (x.kind == Val::Kind::Tensor ? "a float tensor" : x.describe());
      return fail();
    }
    int64_t width;
    if (!positiveInt("width", width))
      return fail();
    std::vector<int64_t> shape = shapeOf(x.tensor);
    shape.push_back(width);
    if (!checkExampleSize(shape, at))
      return fail();
    Value table = makeParam(call, args, "embed", {vocab.getInt(), width}, lip::NormKind::l1_to_rms);
    if (!table)
      return fail();
    Value y = builder.create<lip::EmbeddingOp>(
        table.getLoc(), RankedTensorType::get(shape, builder.getF32Type()), x.tensor, table);
    layerOf[y] = cast<lip::ParamOp>(table.getDefiningOp()).getName().str();
    return Val::ofTensor(y, at);
  }
  Type type = x.tensor.getType();
  // Ops on one tensor are named after the layer it comes from
  // (block0.attn.q.rope); `named` records that layer for the next op.
  std::string root = rootName(x.tensor);
  Location l = namedLoc(at, root.empty() ? name.str() : root + "." + name.str());
  auto named = [&](Value y) {
    layerOf[y] = root;
    return Val::ofTensor(y, at);
  };
  if (name == "relu")
    return named(builder.create<lip::ReluOp>(l, type, x.tensor));
  if (name == "abs")
    return named(builder.create<lip::AbsOp>(l, type, x.tensor));
  if (name == "maxmin") {
    if (shapeOf(x.tensor).back() % 2 != 0) {
      error(x.loc) << "shape mismatch: 'maxmin' sorts pairs and needs an even width, got "
                   << shapeString(x.tensor);
      return fail();
    }
    return named(builder.create<lip::MaxMinOp>(l, type, x.tensor));
  }
  if (name == "gelu") {
    double scale;
    if (!numberArg(args, "scale", name, 1.0, scale))
      return fail();
    bool tanh = false;
    if (args.has("approximation")) {
      const Val &a = args.get("approximation");
      if (a.kind != Val::Kind::Symbol && a.kind != Val::Kind::String) {
        error(a.loc) << "'approximation' must be erf or tanh, got " << a.describe();
        return fail();
      }
      if (a.text != "erf" && a.text != "tanh") {
        error(a.loc) << "'approximation' must be erf or tanh, got '" << a.text << "'";
        return fail();
      }
      tanh = a.text == "tanh";
    }
    return named(builder.create<lip::GeluOp>(l, type, x.tensor,
                                             tanh ? builder.getUnitAttr() : UnitAttr(),
                                             builder.getF64FloatAttr(scale)));
  }
  if (name == "residual") {
    const Val &branch = args.get("branch");
    double alpha;
    if (!expectTensor(branch, "its branch", name) || !expectSameShape(x, branch, "'residual'") ||
        !numberArg(args, "alpha", name, 0.5, alpha))
      return fail();
    if (!args.has("alpha")) {
      error(at) << "'residual' needs alpha: residual(x, f(x), alpha = 1 / (2 * layers))";
      return fail();
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      error(args.get("alpha").loc) << "alpha must lie in [0, 1] for a convex residual, got "
                                   << num(alpha);
      return fail();
    }
    // A residual belongs to its branch's scope: block0.attn.residual.
    std::string branchLayer = rootName(branch.tensor);
    std::string scope = llvm::StringRef(branchLayer).rsplit('.').first.str();
    if (branchLayer.find('.') == std::string::npos)
      scope = llvm::join(scopes, ".");
    std::string rname = scope.empty() ? "residual" : scope + ".residual";
    Value y = builder.create<lip::ResidualOp>(namedLoc(at, rname), type, x.tensor, branch.tensor,
                                              builder.getF64FloatAttr(alpha));
    layerOf[y] = rname;
    return Val::ofTensor(y, at);
  }
  if (name == "attention") {
    const Val &k = args.get("key"), &v = args.get("value");
    double logitScale, outputFactor;
    if (!expectTensor(k, "its key", name) || !expectTensor(v, "its value", name) ||
        !expectRank(x, 4, name, "split heads [batch, tokens, heads, head_dim] (use split_heads)") ||
        !expectSameShape(x, k, "'attention'") || !expectSameShape(x, v, "'attention'") ||
        !numberArg(args, "logit_scale", name, 1.0, logitScale) ||
        !numberArg(args, "output_factor", name, 1.0, outputFactor))
      return fail();
    bool causal = true;
    if (args.has("causal")) {
      const Val &c = args.get("causal");
      if (c.kind != Val::Kind::Bool) {
        error(c.loc) << "'causal' must be true or false, got " << c.describe();
        return fail();
      }
      causal = c.boolean;
    }
    Location attnLoc = opLoc(at, "attention");
    Value y = builder.create<lip::AttentionOp>(attnLoc, type, x.tensor, k.tensor, v.tensor,
                                               causal ? builder.getUnitAttr() : UnitAttr(),
                                               builder.getF64FloatAttr(logitScale),
                                               builder.getF64FloatAttr(outputFactor));
    layerOf[y] = cast<NameLoc>(attnLoc).getName().str();
    return Val::ofTensor(y, at);
  }
  if (name == "rope") {
    double base;
    if (!expectRank(x, 4, name, "split heads [batch, tokens, heads, head_dim]") ||
        !numberArg(args, "base", name, 10000.0, base))
      return fail();
    if (shapeOf(x.tensor).back() % 2 != 0 || !(base > 1)) {
      error(at) << "'rope' needs an even head_dim and base > 1, got head_dim "
                << shapeOf(x.tensor).back() << " and base " << num(base);
      return fail();
    }
    return named(builder.create<lip::RopeOp>(l, type, x.tensor, builder.getF64FloatAttr(base)));
  }
  if (name == "split_heads") {
    int64_t heads;
    if (!expectRank(x, 3, name, "[batch, tokens, width]") || !positiveInt("heads", heads))
      return fail();
    std::vector<int64_t> shape = shapeOf(x.tensor);
    if (shape[2] % heads != 0) {
      error(args.get("heads").loc) << "shape mismatch: width " << shape[2]
                                   << " is not divisible by " << heads << " heads";
      return fail();
    }
    return named(builder.create<lip::SplitHeadsOp>(
        l, withShape(x.tensor, {shape[0], shape[1], heads, shape[2] / heads}), x.tensor));
  }
  if (name == "merge_heads") {
    if (!expectRank(x, 4, name, "[batch, tokens, heads, head_dim]"))
      return fail();
    std::vector<int64_t> s = shapeOf(x.tensor);
    return named(builder.create<lip::MergeHeadsOp>(
        l, withShape(x.tensor, {s[0], s[1], s[2] * s[3]}), x.tensor));
  }
  if (name == "flatten") {
    std::vector<int64_t> s = shapeOf(x.tensor);
    int64_t width = 1;
    for (size_t i = 1; i < s.size(); ++i)
      width *= s[i];
    return named(builder.create<lip::FlattenOp>(l, withShape(x.tensor, {s[0], width}), x.tensor));
  }
  if (name == "mean_pool") {
    if (!expectRank(x, 3, name, "[batch, tokens, width]"))
      return fail();
    std::vector<int64_t> s = shapeOf(x.tensor);
    return named(builder.create<lip::MeanPoolOp>(l, withShape(x.tensor, {s[0], s[2]}), x.tensor));
  }
  double factor;
  if (!numberArg(args, "factor", name, 1.0, factor))
    return fail();
  return named(builder.create<lip::ScaleOp>(l, type, x.tensor, builder.getF64FloatAttr(factor)));
}
