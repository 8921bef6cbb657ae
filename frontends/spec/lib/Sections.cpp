//===- Sections.cpp - constraint, budget and train sections ---------------===//
//
// Reads the settings sections into typed configs and checks every key, type
// and range, so a typo in `train { ... }` fails now and not after an hour of
// compilation.
//
//===----------------------------------------------------------------------===//

#include "Generator.h"

#include "llvm/ADT/StringExtras.h"

#include <set>

using namespace mlir;
using namespace lipc::spec;

namespace lipc::spec {
/// What one argument of a train setting may be: a number in a range, true or
/// false, or text (one of `choices` when there are any; else a path).
struct ArgRule {
  enum class Type { Number, Flag, Text } type;
  NumberRange range{0, 0};
  std::vector<std::string> choices;
};

struct SettingKind {
  /// Required, and accepted by position in this order.
  std::vector<std::string> positional;
  /// Every argument's rule, the positional ones too.
  std::map<std::string, ArgRule> rules;
};
} // namespace lipc::spec

namespace {
ArgRule number(NumberRange range) { return {ArgRule::Type::Number, range, {}}; }
ArgRule flag() { return {ArgRule::Type::Flag, {0, 0}, {}}; }
ArgRule text(std::vector<std::string> choices = {}) {
  return {ArgRule::Type::Text, {0, 0}, std::move(choices)};
}

/// The most steps a run, a warm-up or an evaluation interval may count.
constexpr double kMaxSteps = 1e9;
/// Momentum and Adam's betas: 1 or more never forgets (and diverges).
constexpr NumberRange kDecayRange{0, 1, /*loOpen=*/false, /*hiOpen=*/true};
/// Decoupled weight decay shrinks a weight by lr * weight_decay each step;
/// above 1 it would flip the weight's sign at lr = 1.
constexpr NumberRange kWeightDecayRange{0, 1};
/// Adam's eps, added to a float32 denominator: it must stay a normal float32.
constexpr NumberRange kEpsRange{1e-30, 1};
constexpr NumberRange kStepCountRange = wholeRange(0, kMaxSteps);

std::vector<std::string> keysOf(const std::map<std::string, SettingKind> &kinds) {
  std::vector<std::string> keys;
  for (const auto &entry : kinds)
    keys.push_back(entry.first);
  return keys;
}
} // namespace

std::optional<bool> Generator::zeroInit(const Val &v) {
  bool named = v.kind == Val::Kind::Symbol || v.kind == Val::Kind::String;
  if (named && (v.text == "zero" || v.text == "orthogonal"))
    return v.text == "zero";
  error(v.loc) << "init must be zero or orthogonal, got "
               << (named ? "'" + v.text + "'" : v.describe())
               << suggest(v.text, {"zero", "orthogonal"});
  return std::nullopt;
}

void Generator::readConstraintGroup(const Item &item) {
  for (const ParamGroup &g : result.groups)
    if (g.name == item.name) {
      error(item.loc) << "constraint group '" << item.name << "' is already defined";
      return;
    }
  ParamGroup group;
  group.name = item.name;
  group.loc = item.loc;
  bool hasMethod = false, hasWMax = false;
  unsigned errorsBefore = errors;
  for (const KeywordArg &field : item.fields) {
    Val v = eval(*field.value, globals, Context::Settings);
    if (v.isError())
      continue;
    if (field.name == "method") {
      auto method = lip::symbolizeConstraintMethod(v.text);
      if ((v.kind != Val::Kind::Symbol && v.kind != Val::Kind::String) || !method) {
        std::vector<std::string> methods;
        for (uint32_t i = 0; i <= lip::getMaxEnumValForConstraintMethod(); ++i)
          methods.push_back(
              lip::stringifyConstraintMethod(static_cast<lip::ConstraintMethod>(i)).str());
        error(v.loc) << "unknown constraint method '" << (v.text.empty() ? v.describe() : v.text)
                     << "'" << suggest(v.text, methods) << " (known: "
                     << llvm::join(methods, ", ") << ")";
        continue;
      }
      group.method = *method;
      hasMethod = true;
    } else if (field.name == "w_max") {
      if (!inRange(v, kWMaxRange, "w_max"))
        continue;
      group.wMax = v.number;
      hasWMax = true;
    } else if (field.name == "lr") {
      if (!inRange(v, kPositive, "a group's lr"))
        continue;
      group.lr = v.number;
    } else if (field.name == "init") {
      std::optional<bool> zero = zeroInit(v);
      if (zero)
        group.zeroInit = *zero;
    } else if (field.name == "match") {
      std::vector<Val> patterns = v.kind == Val::Kind::List ? v.list : std::vector<Val>{v};
      for (const Val &p : patterns) {
        if (p.kind != Val::Kind::String) {
          error(p.loc) << "match takes a glob string or a list of them, got " << p.describe();
          continue;
        }
        group.patterns.push_back(p.text);
      }
    } else {
      error(field.loc) << "constraint groups have no setting '" << field.name << "'"
                       << suggest(field.name, {"method", "w_max", "match", "lr", "init"})
                       << " (settings: method, w_max, match, lr, init)";
    }
  }
  if (errors != errorsBefore) {
    // Keep the group (unconstrained) so its parameters do not report again.
    group.method = lip::ConstraintMethod::none;
    result.groups.push_back(std::move(group));
    return;
  }
  if (!hasMethod || !hasWMax) {
    error(item.loc) << "constraint group '" << item.name << "' needs "
                    << (hasMethod ? "w_max" : hasWMax ? "a method" : "a method and w_max");
    return;
  }
  result.groups.push_back(std::move(group));
}

void Generator::readBudget(const Item &item) {
  if (result.budget) {
    error(item.loc) << "the spec already has a budget";
    return;
  }
  BudgetConfig budget;
  budget.loc = item.loc;
  bool hasMax = false;
  std::optional<std::pair<size_t, llvm::SMLoc>> sharesGiven; // how many, where
  for (const KeywordArg &field : item.fields) {
    Val v = eval(*field.value, globals, Context::Settings);
    if (v.isError())
      continue;
    if (field.name == "max") {
      hasMax = true;
      if (inRange(v, kPositive, "budget.max"))
        budget.max = v.number;
    } else if (field.name == "solve" && v.kind == Val::Kind::Bool) {
      budget.solve = v.boolean;
    } else if (field.name == "groups" && v.kind == Val::Kind::List) {
      for (const Val &g : v.list) {
        if (g.kind != Val::Kind::String && g.kind != Val::Kind::Symbol) {
          error(g.loc) << "budget groups are constraint group names, got " << g.describe();
          continue;
        }
        budget.groups.push_back(g.text);
      }
    } else if (field.name == "shares" && v.kind == Val::Kind::List) {
      sharesGiven = {v.list.size(), field.loc};
      for (const Val &share : v.list)
        if (inRange(share, kShareRange, "a budget share"))
          budget.shares.push_back(share.number);
    } else if (field.name == "solve" || field.name == "groups" || field.name == "shares") {
      error(v.loc) << "budget." << field.name << " must be "
                   << (field.name == "solve"    ? "true or false"
                       : field.name == "groups" ? "a list of constraint group names"
                                                : "a list of numbers, one per group")
                   << ", got " << v.describe();
    } else {
      error(field.loc) << "the budget has no setting '" << field.name << "'"
                       << suggest(field.name, {"max", "solve", "groups", "shares"})
                       << " (settings: max, solve, groups, shares)";
    }
  }
  if (!hasMax) {
    error(item.loc) << "the budget needs max = the largest acceptable Lipschitz bound";
    return;
  }
  if (sharesGiven && sharesGiven->first != budget.groups.size())
    error(sharesGiven->second) << "budget.shares needs one number per group of budget.groups ("
                               << budget.groups.size() << "), got " << sharesGiven->first;
  for (const std::string &name : budget.groups)
    if (llvm::none_of(result.groups, [&](const ParamGroup &g) { return g.name == name; }))
      error(item.loc) << "budget.groups names '" << name
                      << "', which is not a constraint group declared before the budget";
  result.budget = std::move(budget);
}

/// Checks one argument of a setting against its rule and stores it in `out`.
bool Generator::readSettingArg(llvm::StringRef kind, const std::string &name, const Val &value,
                               const ArgRule &rule, Setting &out) {
  std::string what = ("'" + kind + "." + name + "'").str();
  switch (rule.type) {
  case ArgRule::Type::Number:
    if (!inRange(value, rule.range, what))
      return false;
    out.numbers[name] = value.number;
    return true;
  case ArgRule::Type::Flag:
    if (value.kind != Val::Kind::Bool) {
      error(value.loc) << what << " must be true or false, got " << value.describe();
      return false;
    }
    out.flags[name] = value.boolean;
    return true;
  case ArgRule::Type::Text:
    if (value.kind != Val::Kind::String && value.kind != Val::Kind::Symbol) {
      error(value.loc) << what << " must be "
                       << (rule.choices.empty() ? "a string" : "a name") << ", got "
                       << value.describe();
      return false;
    }
    if (!rule.choices.empty() && !llvm::is_contained(rule.choices, value.text)) {
      error(value.loc) << what << " must be one of " << llvm::join(rule.choices, ", ")
                       << ", got '" << value.text << "'" << suggest(value.text, rule.choices);
      return false;
    }
    out.strings[name] = value.text;
    return true;
  }
  return false;
}

bool Generator::readSetting(const KeywordArg &field,
                            const std::map<std::string, SettingKind> &kinds, Setting &out) {
  Val v = eval(*field.value, globals, Context::Settings);
  if (v.isError())
    return false;
  std::string kind = v.kind == Val::Kind::Symbol ? v.text
                     : v.kind == Val::Kind::Record ? v.record->name
                                                   : "";
  auto it = kinds.find(kind);
  if (it == kinds.end()) {
    error(v.loc) << "train." << field.name << " must be one of " << llvm::join(keysOf(kinds), ", ")
                 << ", got " << (kind.empty() ? v.describe() : "'" + kind + "'")
                 << (kind.empty() ? "" : suggest(kind, keysOf(kinds)));
    return false;
  }
  out.kind = kind;
  const SettingKind &sig = it->second;
  std::vector<std::pair<std::string, Val>> given;
  if (v.kind == Val::Kind::Record) {
    if (v.record->args.size() > sig.positional.size()) {
      error(v.loc) << "'" << kind << "' takes " << sig.positional.size()
                   << " positional argument(s), got " << v.record->args.size();
      return false;
    }
    for (size_t i = 0; i < v.record->args.size(); ++i)
      given.emplace_back(sig.positional[i], v.record->args[i]);
    given.insert(given.end(), v.record->keywords.begin(), v.record->keywords.end());
  }
  bool ok = true;
  for (const auto &[name, value] : given) {
    auto rule = sig.rules.find(name);
    if (rule == sig.rules.end()) {
      std::vector<std::string> all;
      for (const auto &entry : sig.rules)
        all.push_back(entry.first);
      error(value.loc) << "'" << kind << "' has no setting '" << name << "'" << suggest(name, all)
                       << " (settings: " << llvm::join(all, ", ") << ")";
      ok = false;
      continue;
    }
    ok &= readSettingArg(kind, name, value, rule->second, out);
  }
  for (const std::string &name : sig.positional)
    if (ok && !out.numbers.count(name) && !out.strings.count(name) && !out.flags.count(name)) {
      error(v.loc) << "'" << kind << "' needs '" << name << "'";
      ok = false;
    }
  return ok;
}

void Generator::readTrain(const Item &item) {
  if (result.train) {
    error(item.loc) << "the spec already has a train section";
    return;
  }
  static const NumberRange split{0, 1, /*loOpen=*/true, /*hiOpen=*/true};
  static const std::map<std::string, SettingKind> data = {
      {"text", {{"path"}, {{"path", text()}, {"split", number(split)}}}},
      {"fashion_mnist", {{}, {{"path", text()}, {"clip", flag()}}}},
      {"csv",
       {{"path"},
        {{"path", text()},
         {"split", number(split)},
         // Features are used as written unless the spec scales them.
         {"scale", number(kPositive)},
         {"clip", flag()},
         // Negative counts from the last column.
         {"label_column", number(wholeRange(-kMaxDimension, kMaxDimension))}}}},
  };
  static const std::map<std::string, SettingKind> optimizers = {
      {"muon",
       {{"lr"},
        {{"lr", number(kPositive)},
         {"momentum", number(kDecayRange)},
         {"nesterov", flag()},
         {"momentum_warmup", number(kStepCountRange)},
         {"momentum_start", number(kDecayRange)},
         {"coefficients", text({"jiacheng6", "nanogpt5", "keller5"})},
         {"embed_lr", number(kPositive)},
         {"embed_inflation", number(kInflationRange)},
         {"weight_decay", number(kWeightDecayRange)}}}},
      {"adamw",
       {{"lr"},
        {{"lr", number(kPositive)},
         {"beta1", number(kDecayRange)},
         {"beta2", number(kDecayRange)},
         {"eps", number(kEpsRange)},
         {"weight_decay", number(kWeightDecayRange)}}}},
  };
  static const std::map<std::string, ArgRule> warmupOnly = {{"warmup", number(kStepCountRange)}};
  static const std::map<std::string, SettingKind> schedules = {
      {"constant", {{}, warmupOnly}},
      {"linear", {{}, warmupOnly}},
      {"cosine", {{}, warmupOnly}},
      {"cooldown",
       {{},
        {{"warmup", number(kStepCountRange)},
         {"fraction", number({0, 1, /*loOpen=*/true})},
         {"floor", number({0, 1})}}}},
  };
  // Whole numbers: steps, batch, seq, seed, eval_every.
  static const std::vector<std::pair<std::string, NumberRange>> integers = {
      {"steps", wholeRange(1, kMaxSteps)},
      {"batch", kDimensionRange},
      {"seq", kDimensionRange},
      {"seed", wholeRange(0, 4294967295.0)},
      {"eval_every", kStepCountRange},
  };
  TrainConfig train;
  train.loc = item.loc;
  std::vector<std::string> keys;
  for (const auto &entry : integers)
    keys.push_back(entry.first);
  keys.insert(keys.end(), {"data", "optimizer", "schedule", "loss", "precision"});
  std::set<std::string> seen;
  llvm::SMLoc scheduleLoc;
  for (const KeywordArg &field : item.fields) {
    if (!seen.insert(field.name).second) {
      error(field.loc) << "train." << field.name << " is set twice";
      continue;
    }
    auto integer = llvm::find_if(integers, [&](const auto &entry) { return entry.first == field.name; });
    if (field.name == "data") {
      readSetting(field, data, train.data);
    } else if (field.name == "optimizer") {
      readSetting(field, optimizers, train.optimizer);
    } else if (field.name == "schedule") {
      scheduleLoc = field.loc;
      readSetting(field, schedules, train.schedule);
    } else if (field.name == "loss") {
      Val v = eval(*field.value, globals, Context::Settings);
      if (!v.isError() && !(v.kind == Val::Kind::Symbol && v.text == "cross_entropy"))
        error(v.loc) << "train.loss must be cross_entropy, got " << v.describe();
    } else if (field.name == "precision") {
      Val v = eval(*field.value, globals, Context::Settings);
      if (!v.isError() && v.kind == Val::Kind::Symbol && (v.text == "fp32" || v.text == "bf16" || v.text == "tf32"))
        train.precision = v.text;
      else if (!v.isError())
        error(v.loc) << "train.precision must be fp32, bf16 or tf32, got " << v.describe();
    } else if (integer != integers.end()) {
      Val v = eval(*field.value, globals, Context::Settings);
      if (v.isError() || !inRange(v, integer->second, "train." + field.name))
        continue;
      auto n = static_cast<int64_t>(v.number);
      (field.name == "steps"   ? train.steps
       : field.name == "batch" ? train.batch
       : field.name == "seq"   ? train.seq
       : field.name == "seed"  ? train.seed
                               : train.evalEvery) = n;
    } else {
      error(field.loc) << "the train section has no setting '" << field.name << "'"
                       << suggest(field.name, keys) << " (settings: " << llvm::join(keys, ", ")
                       << ")";
    }
  }
  for (const char *required : {"data", "optimizer", "steps", "batch"})
    if (!seen.count(required))
      error(item.loc) << "the train section needs '" << required << "'";
  if (train.schedule.kind.empty())
    train.schedule.kind = "constant";
  if (auto warmup = train.schedule.numbers.find("warmup");
      warmup != train.schedule.numbers.end() && train.steps && warmup->second >= train.steps)
    error(scheduleLoc) << "the schedule's warmup (" << num(warmup->second)
                       << " steps) must be shorter than training (steps = " << train.steps << ")";
  result.train = std::move(train);
}
