//===- Options.h - The command line of a model binary ---------------------===//

#ifndef LIPRT_MAIN_OPTIONS_H
#define LIPRT_MAIN_OPTIONS_H

#include "liprt/CompiledStep.h"

#include <string>
#include <vector>

namespace liprt::main {

/// The usage text of the binary `program`: each command's options, from the
/// same table that declares them to the parser, then what they mean.
std::string usageText(const std::string &program);

/// The options of `train`, `eval` and `sample`; unset ones take the spec's
/// train settings.
struct Options {
  std::string data, log, checkpoint, resume, prompt;
  std::string device = "auto"; // cpu, cuda or auto
  int64_t length = 200;
  double temperature = 1.0;
  int64_t steps = 0, batch = 0, seed = 0, threads = 0; // threads 0: all cores
  int64_t logEvery = 10, evalEvery = 0, evalSamples = 0;
  int64_t checkpointEvery = 0; // 0: only at the end
  /// train --lr (the base learning rate; every rate scales with it) and
  /// --horizon (the schedule's length); unset: -1 and 0.
  double lr = -1;
  int64_t horizon = 0;
  bool json = false;
  bool help = false; // --help or -h: print the usage, nothing else
  /// eval: radii (input max-token RMS) of the certified robust accuracy.
  std::vector<double> radii = {0, 0.01, 0.02, 0.05, 0.1};
};

/// Parses argv[2..] of `command` (train, eval or sample) over the defaults in
/// `defaults`, each option as `--name value` or `--name=value`, each number
/// within the limits the usage text states.
Status parseOptions(const std::string &command, int argc, char **argv,
                    const TrainDefaults &defaults, Options &o);

/// Uses `threads` cores for matrix products and compiled loops (0: all).
void setThreads(int64_t threads);

} // namespace liprt::main

#endif // LIPRT_MAIN_OPTIONS_H
