//===- ModelMain.cpp - The main of a binary built by `lipc compile` -------===//
//
// `lipc compile MODEL -o BIN` links the model's object (the packed training
// step and forward pass, their manifest, the bound report) with this
// directory's files and liprt:
//
//   BIN bounds          the compile-time bound report
//   BIN train ...       train with the compiled step (TrainCommand.cpp)
//   BIN eval ...        a checkpoint's loss and accuracy (EvalCommand.cpp)
//   BIN sample ...      text from a character model (SampleCommand.cpp)
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Model.h"

#include "liprt/Distributed.h"

#include <cerrno>
#include <cstring>
#include <exception>
#include <new>

#include <malloc.h>

using namespace liprt;
using namespace liprt::main;

namespace {
int usage(const char *program, const std::string &message) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
  std::fputs(usageText(program).c_str(), stderr);
  return kUsage;
}

int help(const char *program) {
  std::fputs(usageText(program).c_str(), stdout);
  return kOk;
}

/// The command named by argv[1]; its exit code.
int run(const char *program, int argc, char **argv) {
  if (argc < 2)
    return usage(program, "no command given");
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help")
    return help(program);
  if (command == "bounds") {
    if (argc != 2)
      return usage(program, "bounds takes no arguments");
    std::fputs(lipc_bounds_table, stdout);
    return kOk;
  }
  if (command != "train" && command != "eval" && command != "sample")
    return usage(program, "unknown command '" + command + "'");
  // The defaults come from the embedded manifest; a damaged one is reported
  // by the command itself.
  Result<StepManifest> manifest = parseStepManifest(lipc_manifest);
  Options options;
  if (Status parsed = parseOptions(command, argc, argv,
                                   manifest ? manifest->train : TrainDefaults{}, options);
      !parsed)
    return usage(program, parsed.message());
  if (options.help)
    return help(program);
  if (command == "train")
    return dist::finish(main::train(program, options));
  // Only training is data-parallel; N copies of eval or sample would each
  // print the same results.
  Result<dist::Ranks> launched = dist::launchedRanks();
  if (!launched)
    return fail(program, launched.status().message(), kUsage);
  if (launched->size > 1)
    return usage(program, command + " runs in one process: start it without mpirun");
  return command == "sample" ? main::sample(program, options) : main::eval(program, options);
}
} // namespace

int main(int argc, char **argv) {
  // A compiled step allocates its buffers (activations, attention scores,
  // Gram matrices) on every call and frees them at its end. Served from the
  // heap and kept there, the second step reuses the first one's pages:
  // without this, glibc maps every buffer above 32 MiB afresh and the
  // kernel zeroes its pages (about 14 us each) on every step.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const char *program = argv[0];
  int code;
  // The last resort: the commands return their errors, and a batch too large
  // for memory is refused before it is allocated.
  try {
    code = run(program, argc, argv);
  } catch (const std::bad_alloc &) {
    code = fail(program, "out of memory (a smaller --batch may fit)");
  } catch (const std::exception &e) {
    code = fail(program, std::string("internal error: ") + e.what());
  }
  // What was printed must have reached its file: a full disk or a closed
  // pipe is an error, not a silent exit 0 with the output lost.
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    fail(program, std::string("cannot write the standard output: ") + std::strerror(errno));
    return code == kOk ? kBadInput : code;
  }
  return code;
}
