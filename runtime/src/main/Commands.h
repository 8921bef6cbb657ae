//===- Commands.h - The subcommands of a model binary ---------------------===//

#ifndef LIPRT_MAIN_COMMANDS_H
#define LIPRT_MAIN_COMMANDS_H

#include "Options.h"

namespace liprt::main {

/// Trains with the compiled step; returns the exit code.
int train(const char *program, const Options &options);

/// Loss and accuracy of a checkpoint on the held-out data.
int eval(const char *program, const Options &options);

/// Text from a character model's checkpoint.
int sample(const char *program, const Options &options);

} // namespace liprt::main

#endif // LIPRT_MAIN_COMMANDS_H
