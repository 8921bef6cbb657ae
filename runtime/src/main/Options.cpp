//===- Options.cpp - The command line of a model binary -------------------===//
//
// One table declares every option of train, eval and sample: CLI11 parses
// the command line from it, its readers check each value's range, and the
// usage text's synopsis is generated from it.
//
//===----------------------------------------------------------------------===//

#include "Options.h"

#include "liprt/Checkpoint.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <variant>

extern "C" void openblas_set_num_threads(int threads);
// LLVM's OpenMP runtime (libomp), which runs the compiled loops.
extern "C" void omp_set_num_threads(int threads);
extern "C" void kmp_set_blocktime(int milliseconds);

using namespace liprt;
using liprt::main::Options;

namespace {
/// The commands that take an option.
enum Command : unsigned { kTrain = 1, kEval = 2, kSample = 4, kAll = 7 };

/// The field an option sets; its type says how the value is read (a bool:
/// a flag, which takes none). CLI11 splits the command line; these
/// readers check each value against the range the usage text states.
using Field = std::variant<bool Options::*, int64_t Options::*, double Options::*,
                           std::string Options::*, std::vector<double> Options::*>;

struct OptionSpec {
  const char *name;
  unsigned commands;
  Field field;
  /// What the value is, in the usage text (PATH, N, ...); null for a flag.
  const char *value;
  /// Numbers: the range allowed, inclusive (of each number, for a list);
  /// text: the shortest value allowed.
  int64_t min = 0, max = 0;
  /// Text: the values allowed, separated by '|'; null: any.
  const char *choices = nullptr;
  /// The command cannot run without it.
  bool required = false;
};

// The limits the usage text states. Counts stay far below int64's range, so
// products such as steps * batch cannot overflow.
constexpr int64_t kMaxCount = kMaxSteps;
constexpr int64_t kMaxThreads = 1024, kMaxLength = 100000, kMaxReal = 1000000;

// In the order the usage text lists them. --checkpoint has two rows: the
// file eval and sample read (required), and the one train writes (optional).
const OptionSpec kOptions[] = {
    {"--checkpoint", kEval | kSample, &Options::checkpoint, "FILE", 1, 0, nullptr, true},
    {"--data", kTrain | kEval, &Options::data, "PATH", 1},
    {"--steps", kTrain, &Options::steps, "N", 1, kMaxSteps},
    {"--batch", kTrain | kEval, &Options::batch, "N", 1, kMaxCount},
    {"--prompt", kSample, &Options::prompt, "TEXT", 0},
    {"--length", kSample, &Options::length, "N", 1, kMaxLength},
    {"--temperature", kSample, &Options::temperature, "T", 0, kMaxReal},
    {"--seed", kTrain | kSample, &Options::seed, "N", 0, INT64_MAX},
    {"--threads", kAll, &Options::threads, "N", 1, kMaxThreads},
    {"--device", kAll, &Options::device, "D", 1, 0, "cpu|cuda|auto"},
    {"--log", kTrain, &Options::log, "FILE", 1},
    {"--log-every", kTrain, &Options::logEvery, "N", 1, kMaxCount},
    {"--eval-every", kTrain, &Options::evalEvery, "N", 0, kMaxCount},
    {"--eval-samples", kTrain | kEval, &Options::evalSamples, "N", 1, kMaxCount},
    {"--radii", kEval, &Options::radii, "R1,R2,...", 0, kMaxReal},
    {"--checkpoint", kTrain, &Options::checkpoint, "FILE", 1},
    {"--checkpoint-every", kTrain, &Options::checkpointEvery, "N", 1, kMaxCount},
    {"--resume", kTrain, &Options::resume, "CHECKPOINT", 1},
    {"--lr", kTrain, &Options::lr, "RATE", 0, kMaxReal},
    {"--horizon", kTrain, &Options::horizon, "N", 1, kMaxSteps},
    {"--json", kEval, &Options::json, nullptr},
};

/// The commands, as the usage text names them.
constexpr std::pair<Command, const char *> kCommands[] = {
    {kTrain, "train"}, {kEval, "eval"}, {kSample, "sample"}};

/// What the usage text says after the commands' synopsis.
const char *const kUsageNotes = R"(Defaults come from the spec's train section (steps, batch, seed, eval_every,
data). PATH: a text file for a model of tokens; for a model of features, a
directory with Fashion-MNIST's train-* and t10k-* IDX files (gzip or not) or a
CSV file of features and a last-column label.
An option's value is the next argument, or follows '=' (--steps=100;
--prompt=--x for a value that starts with --). Counts (--steps, --batch,
--eval-every, ...) go up to 1000000000, --threads to 1024, --length to 100000,
--seed to 2^63-1, --temperature and each radius to 1000000.
--device cpu|cuda|auto (default auto): where the step runs. A binary built with
lipc compile --gpu runs on the GPU when one is usable; with auto and none it
says why in one line and runs on the CPU.
--resume continues a run from its checkpoint up to --steps in all, with the
same losses as a run that was never interrupted (same --data, --batch, --seed).
--lr RATE replaces the spec's base learning rate, and every other rate (a
group's lr, embed_lr) scales with it; a rate beyond a soft or hard cap's guarantee is
refused. --horizon N makes the learning-rate schedule span N steps instead of
the spec's steps. A resumed run keeps the checkpoint's --lr and --horizon
unless given again.
Exit codes: 0 done, 1 bad input or data, a file that cannot be written, or (eval)
a loss that is not finite, 2 bad command line (or a batch too large for memory),
4 the loss stopped being finite in training (the last checkpoint holds the last
finite weights).
)";

/// The whole of `text` as a number (no spaces, no '+', no overflow).
template <typename T>
bool parseNumber(const std::string &text, T &out) {
  const char *end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, out);
  return !text.empty() && error == std::errc() && stop == end;
}

std::string range(const OptionSpec &spec) {
  return "from " + std::to_string(spec.min) + " to " + std::to_string(spec.max);
}

std::string read(const OptionSpec &spec, const std::string &value, int64_t &out) {
  int64_t v;
  if (!parseNumber(value, v) || v < spec.min || v > spec.max)
    return std::string(spec.name) + " takes an integer " + range(spec) + ", not '" + value + "'";
  out = v;
  return "";
}

std::string read(const OptionSpec &spec, const std::string &value, double &out) {
  double v;
  // The comparisons are false for NaN, and infinities lie outside.
  if (!parseNumber(value, v) || !(v >= spec.min && v <= spec.max))
    return std::string(spec.name) + " takes a number " + range(spec) + ", not '" + value + "'";
  out = v;
  return "";
}

std::string read(const OptionSpec &spec, const std::string &value, std::vector<double> &out) {
  std::vector<double> list;
  for (size_t start = 0; start <= value.size();) {
    size_t end = std::min(value.find(',', start), value.size());
    double v;
    if (!parseNumber(value.substr(start, end - start), v) || !(v >= spec.min && v <= spec.max))
      return std::string(spec.name) + " takes numbers " + range(spec) +
             " separated by commas, not '" + value + "'";
    list.push_back(v);
    start = end + 1;
  }
  out = std::move(list);
  return "";
}

/// "a, b or c" for "a|b|c".
std::string listed(std::string choices) {
  choices.replace(choices.rfind('|'), 1, " or ");
  for (size_t at; (at = choices.find('|')) != std::string::npos;)
    choices.replace(at, 1, ", ");
  return choices;
}

std::string read(const OptionSpec &spec, const std::string &value, std::string &out) {
  if (value.size() < static_cast<size_t>(spec.min))
    return std::string(spec.name) + " needs a value";
  bool allowed = !spec.choices || (value.find('|') == std::string::npos &&
                                   ("|" + std::string(spec.choices) + "|").find("|" + value + "|") !=
                                       std::string::npos);
  if (!allowed)
    return std::string(spec.name) + " takes " + listed(spec.choices) + ", not '" + value + "'";
  out = value;
  return "";
}

std::string read(const OptionSpec &, const std::string &, bool &out) {
  out = true;
  return "";
}

/// The message for what CLI11 left unparsed: an option this command does
/// not take, or an argument that is not an option.
std::string unexpected(const std::string &command, const std::string &argument) {
  if (argument.empty() || argument[0] != '-')
    return "unexpected argument '" + argument + "' (options start with --)";
  return "unknown " + command + " option '" + argument.substr(0, argument.find('=')) + "'";
}

/// What CLI11 would read differently from the usage text: an option that
/// needs a value followed by nothing or by another option (`--data --steps
/// 5`: CLI11 would take --steps for the value), an empty `--name=` where
/// the value may not be empty, or a flag given a value. "" when none.
std::string missingOrExtraValue(unsigned command, const std::vector<std::string> &args) {
  for (size_t i = 0; i < args.size(); ++i)
    for (const OptionSpec &spec : kOptions) {
      if (!(spec.commands & command))
        continue;
      const std::string name = spec.name;
      if (std::holds_alternative<bool Options::*>(spec.field)) {
        if (args[i].rfind(name + "=", 0) == 0)
          return name + " takes no value";
      } else if ((args[i] == name && (i + 1 == args.size() || args[i + 1].rfind("--", 0) == 0)) ||
                 (args[i] == name + "=" && spec.min > 0)) {
        return name + " needs a value";
      }
    }
  return "";
}

/// The arguments after the command as CLI11 parses them: in reverse order,
/// each `--name=value` split into `--name` and `value`, so that a value may
/// be empty or start with --.
std::vector<std::string> forCli11(int argc, char **argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 2; --i) {
    std::string arg = argv[i];
    size_t equals = arg.find('=');
    if (arg.rfind("--", 0) == 0 && equals != std::string::npos) {
      args.push_back(arg.substr(equals + 1));
      arg.resize(equals);
    }
    args.push_back(arg);
  }
  return args;
}

/// Declares `spec` to `app`: a flag, or an option of one value (the last
/// one given counts) that our reader checks and stores.
void declare(CLI::App &app, const OptionSpec &spec, Options &o) {
  if (auto flag = std::get_if<bool Options::*>(&spec.field)) {
    app.add_flag(spec.name, o.**flag);
    return;
  }
  app.add_option_function<std::string>(spec.name,
                                       [&spec, &o](const std::string &value) {
                                         std::string error = std::visit(
                                             [&](auto field) { return read(spec, value, o.*field); },
                                             spec.field);
                                         if (!error.empty())
                                           throw CLI::ValidationError(error);
                                       })
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}
} // namespace

std::string main::usageText(const std::string &program) {
  constexpr size_t kWidth = 100;
  std::string text = "usage:\n  " + program + " bounds\n";
  for (auto [command, name] : kCommands) {
    std::string line = "  " + program + " " + name;
    for (const OptionSpec &spec : kOptions) {
      if (!(spec.commands & command))
        continue;
      std::string item = std::string(spec.name) + (spec.value ? std::string(" ") + spec.value : "");
      if (!spec.required)
        item = "[" + item + "]";
      if (line.size() + 1 + item.size() > kWidth) {
        text += line + "\n";
        line = "       ";
      }
      line += " " + item;
    }
    text += line + "\n";
  }
  return text + "  " + program + " --help\n" + kUsageNotes;
}

Status main::parseOptions(const std::string &command, int argc, char **argv,
                          const TrainDefaults &defaults, Options &o) {
  o.steps = defaults.steps;
  o.batch = defaults.batch;
  o.seed = defaults.seed;
  o.evalEvery = defaults.evalEvery;
  unsigned commandBit = command == "train" ? kTrain : command == "eval" ? kEval : kSample;
  const std::vector<std::string> given(argv + 2, argv + argc);
  if (std::string error = missingOrExtraValue(commandBit, given); !error.empty())
    return Status::error(error);
  CLI::App app;
  app.set_help_flag("-h,--help");
  app.allow_extras();
  for (const OptionSpec &spec : kOptions)
    if (spec.commands & commandBit)
      declare(app, spec, o);
  try {
    std::vector<std::string> args = forCli11(argc, argv);
    app.parse(args);
  } catch (const CLI::CallForHelp &) {
    o.help = true;
    return Status::ok();
  } catch (const CLI::ParseError &e) {
    return Status::error(e.what());
  }
  if (!app.remaining().empty())
    return Status::error(unexpected(command, app.remaining().front()));
  if (o.lr == 0)
    return Status::error("--lr takes a positive number, not 0");
  for (const OptionSpec &spec : kOptions)
    if (spec.required && (spec.commands & commandBit) &&
        (o.*std::get<std::string Options::*>(spec.field)).empty())
      return Status::error(command + " needs " + spec.name + " " + spec.value);
  if (o.steps <= 0 || o.batch <= 0)
    return Status::error("the spec sets no steps or batch size; give --steps N and --batch N");
  return Status::ok();
}

void main::setThreads(int64_t threads) {
  int count = static_cast<int>(threads > 0 ? threads : std::thread::hardware_concurrency());
  openblas_set_num_threads(count);
  omp_set_num_threads(count);
  // Loops, matrix products and attention all run on OpenMP's threads
  // (OpenBLAS's OpenMP build on libomp). Between two of a step's parallel
  // regions, idle threads spin for up to 5 ms instead of sleeping at once:
  // waking a sleeping thread for every region cost about 10% of the
  // Shakespeare step (bench/README.md); libomp's default, 200 ms, would keep
  // them spinning long after a step.
  if (!std::getenv("KMP_BLOCKTIME"))
    kmp_set_blocktime(5);
}
