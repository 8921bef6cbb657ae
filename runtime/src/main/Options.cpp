//===- Options.cpp - The command line of a model binary -------------------===//

#include "Options.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <thread>

extern "C" void openblas_set_num_threads(int threads);

using namespace liprt;

const char *const main::kUsageText = R"(usage:
  %1$s bounds
  %1$s train [--data PATH] [--steps N] [--batch N] [--seed N] [--threads N] [--device D]
        [--log FILE] [--log-every N] [--eval-every N] [--eval-samples N]
        [--checkpoint FILE] [--checkpoint-every N] [--resume CHECKPOINT]
  %1$s eval --checkpoint FILE [--data PATH] [--batch N] [--eval-samples N]
        [--radii R1,R2,...] [--threads N] [--device D] [--json]
  %1$s sample --checkpoint FILE [--prompt TEXT] [--length N] [--temperature T]
        [--seed N] [--threads N] [--device D]
Defaults come from the spec's train section (steps, batch, seed, eval_every,
data). PATH: a text file for a model of tokens; for a model of features, a
directory with Fashion-MNIST's train-* and t10k-* IDX files (gzip or not) or a
CSV file of features and a last-column label.
--device cpu|cuda|auto (default auto): where the step runs. A binary built with
lipc compile --gpu runs on the GPU when one is usable; with auto and none it
says why in one line and runs on the CPU.
--resume continues a run from its checkpoint up to --steps in all, with the
same losses as a run that was never interrupted (same --data, --batch, --seed).
Exit codes: 0 done, 1 bad input or data, 2 bad command line, 4 the loss
stopped being finite (the last checkpoint holds the last finite weights).
)";

std::string main::parseOptions(const std::string &command, int argc, char **argv,
                               const TrainDefaults &defaults, Options &o) {
  o.steps = defaults.steps;
  o.batch = defaults.batch;
  o.seed = defaults.seed;
  o.evalEvery = defaults.evalEvery;
  bool train = command == "train", sample = command == "sample";
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--json" && command == "eval") {
      o.json = true;
      continue;
    }
    if (i + 1 >= argc)
      return flag + " needs a value";
    std::string value = argv[++i];
    auto number = [&](int64_t &out, int64_t min) -> std::string {
      char *end = nullptr;
      long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end || v < min)
        return flag + " takes an integer >= " + std::to_string(min) + ", not '" + value + "'";
      out = v;
      return "";
    };
    std::string error;
    if (flag == "--data")
      o.data = value;
    else if (flag == "--checkpoint")
      o.checkpoint = value;
    else if (!sample && flag == "--batch")
      error = number(o.batch, 1);
    else if (flag == "--threads")
      error = number(o.threads, 1);
    else if (flag == "--device") {
      o.device = value;
      if (value != "cpu" && value != "cuda" && value != "auto")
        error = "--device takes cpu, cuda or auto, not '" + value + "'";
    }
    else if (!sample && flag == "--eval-samples")
      error = number(o.evalSamples, 1);
    else if (command == "eval" && flag == "--radii") {
      o.radii.clear();
      for (size_t start = 0; start <= value.size();) {
        size_t end = std::min(value.find(',', start), value.size());
        std::string item = value.substr(start, end - start);
        char *stop = nullptr;
        double r = std::strtod(item.c_str(), &stop);
        if (item.empty() || *stop || !(r >= 0) || !std::isfinite(r)) {
          error = "--radii takes numbers >= 0 separated by commas, not '" + value + "'";
          break;
        }
        o.radii.push_back(r);
        start = end + 1;
      }
    } else if (sample && flag == "--prompt")
      o.prompt = value;
    else if (sample && flag == "--length")
      error = number(o.length, 1);
    else if (sample && flag == "--temperature") {
      char *end = nullptr;
      o.temperature = std::strtod(value.c_str(), &end);
      if (value.empty() || *end || !(o.temperature >= 0) || o.temperature > 1e6)
        error = "--temperature takes a number >= 0, not '" + value + "'";
    }
    else if (train && flag == "--log")
      o.log = value;
    else if (train && flag == "--resume")
      o.resume = value;
    else if (train && flag == "--steps")
      error = number(o.steps, 1);
    else if (train && flag == "--log-every")
      error = number(o.logEvery, 1);
    else if (train && flag == "--eval-every")
      error = number(o.evalEvery, 0);
    else if (train && flag == "--checkpoint-every")
      error = number(o.checkpointEvery, 1);
    else if ((train || sample) && flag == "--seed")
      error = number(o.seed, 0);
    else
      return "unknown " + command + " option '" + flag + "'";
    if (!error.empty())
      return error;
  }
  if (!train && o.checkpoint.empty())
    return command + " needs --checkpoint FILE";
  if (o.steps <= 0 || o.batch <= 0)
    return "the spec sets no steps or batch size; give --steps N and --batch N";
  return "";
}

void main::setThreads(int64_t threads) {
  openblas_set_num_threads(static_cast<int>(threads > 0 ? threads
                                                        : std::thread::hardware_concurrency()));
}
