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

namespace {
std::vector<std::string> keysOf(const std::map<std::string, Signature> &kinds) {
  std::vector<std::string> keys;
  for (const auto &entry : kinds)
    keys.push_back(entry.first);
  return keys;
}
} // namespace

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
      if (v.kind != Val::Kind::Number || !(v.number > 0)) {
        error(v.loc) << "w_max must be a positive number, got "
                     << (v.kind == Val::Kind::Number ? num(v.number) : v.describe());
        continue;
      }
      group.wMax = v.number;
      hasWMax = true;
    } else if (field.name == "lr") {
      if (v.kind != Val::Kind::Number || !(v.number > 0)) {
        error(v.loc) << "a group's lr must be a positive number, got " << v.describe();
        continue;
      }
      group.lr = v.number;
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
                       << suggest(field.name, {"method", "w_max", "match", "lr"})
                       << " (settings: method, w_max, match, lr)";
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
  for (const KeywordArg &field : item.fields) {
    Val v = eval(*field.value, globals, Context::Settings);
    if (v.isError())
      continue;
    if (field.name == "max" && v.kind == Val::Kind::Number && v.number > 0) {
      budget.max = v.number;
      hasMax = true;
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
    } else if (field.name == "max" || field.name == "solve" || field.name == "groups") {
      error(v.loc) << "budget." << field.name << " must be "
                   << (field.name == "max"     ? "a positive number"
                       : field.name == "solve" ? "true or false"
                                               : "a list of constraint group names")
                   << ", got " << v.describe();
    } else {
      error(field.loc) << "the budget has no setting '" << field.name << "'"
                       << suggest(field.name, {"max", "solve", "groups"})
                       << " (settings: max, solve, groups)";
    }
  }
  if (!hasMax) {
    error(item.loc) << "the budget needs max = the largest acceptable Lipschitz bound";
    return;
  }
  for (const std::string &name : budget.groups)
    if (llvm::none_of(result.groups, [&](const ParamGroup &g) { return g.name == name; }))
      error(item.loc) << "budget.groups names '" << name
                      << "', which is not a constraint group declared before the budget";
  result.budget = std::move(budget);
}

bool Generator::readSetting(const KeywordArg &field, const std::map<std::string, Signature> &kinds,
                            Setting &out) {
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
  const Signature &sig = it->second;
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
    std::vector<std::string> all = sig.positional;
    all.insert(all.end(), sig.optional.begin(), sig.optional.end());
    if (!llvm::is_contained(all, name)) {
      error(value.loc) << "'" << kind << "' has no setting '" << name << "'" << suggest(name, all)
                       << " (settings: " << llvm::join(all, ", ") << ")";
      ok = false;
    } else if (value.kind == Val::Kind::Number) {
      if (!(value.number >= 0)) {
        error(value.loc) << "'" << kind << "." << name << "' must not be negative";
        ok = false;
      }
      out.numbers[name] = value.number;
    } else if (value.kind == Val::Kind::String || value.kind == Val::Kind::Symbol) {
      out.strings[name] = value.text;
    } else if (value.kind == Val::Kind::Bool) {
      out.flags[name] = value.boolean;
    } else {
      error(value.loc) << "'" << kind << "." << name << "' must be a number, string or boolean, got "
                       << value.describe();
      ok = false;
    }
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
  static const std::map<std::string, Signature> data = {
      {"text", {{"path"}, {"split"}}},
      {"fashion_mnist", {{}, {"path"}}},
      {"csv", {{"path"}, {"split", "label_column"}}},
  };
  static const std::map<std::string, Signature> optimizers = {
      {"muon",
       {{"lr"},
        {"momentum", "nesterov", "momentum_warmup", "momentum_start", "coefficients", "embed_lr",
         "weight_decay"}}},
      {"adamw", {{"lr"}, {"beta1", "beta2", "eps", "weight_decay"}}},
  };
  static const std::map<std::string, Signature> schedules = {
      {"constant", {{}, {"warmup"}}},
      {"linear", {{}, {"warmup"}}},
      {"cosine", {{}, {"warmup"}}},
      {"cooldown", {{}, {"warmup", "fraction", "floor"}}},
  };
  static const std::vector<std::string> integers = {"steps", "batch", "seq", "seed", "eval_every"};
  TrainConfig train;
  train.loc = item.loc;
  std::vector<std::string> keys = integers;
  keys.insert(keys.end(), {"data", "optimizer", "schedule", "loss"});
  std::set<std::string> seen;
  for (const KeywordArg &field : item.fields) {
    if (!seen.insert(field.name).second) {
      error(field.loc) << "train." << field.name << " is set twice";
      continue;
    }
    if (field.name == "data") {
      readSetting(field, data, train.data);
    } else if (field.name == "optimizer") {
      readSetting(field, optimizers, train.optimizer);
    } else if (field.name == "schedule") {
      readSetting(field, schedules, train.schedule);
    } else if (field.name == "loss") {
      Val v = eval(*field.value, globals, Context::Settings);
      if (!v.isError() && !(v.kind == Val::Kind::Symbol && v.text == "cross_entropy"))
        error(v.loc) << "train.loss must be cross_entropy, got " << v.describe();
    } else if (llvm::is_contained(integers, field.name)) {
      Val v = eval(*field.value, globals, Context::Settings);
      if (v.isError())
        continue;
      bool zeroOk = field.name == "seed" || field.name == "eval_every";
      if (!v.isInteger() || v.number < (zeroOk ? 0 : 1)) {
        error(v.loc) << "train." << field.name << " must be a "
                     << (zeroOk ? "whole number >= 0" : "positive whole number") << ", got "
                     << (v.kind == Val::Kind::Number ? num(v.number) : v.describe());
        continue;
      }
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
  if (train.data.numbers.count("split") &&
      !(train.data.numbers["split"] > 0 && train.data.numbers["split"] < 1))
    error(item.loc) << "data split must lie strictly between 0 and 1";
  result.train = std::move(train);
}
