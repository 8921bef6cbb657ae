//===- Progress.h - Training progress on a terminal or in plain lines -----===//

#ifndef LIPRT_MAIN_PROGRESS_H
#define LIPRT_MAIN_PROGRESS_H

#include <cstdint>
#include <cstdio>
#include <string>

namespace liprt::main {

/// On a terminal, one bar redrawn after every step; elsewhere (a pipe, a
/// file, CI) only the periodic lines, so logs stay readable. `bar` false:
/// only the lines, terminal or not (under mpirun, whose pseudo-terminal
/// says nothing of where the output goes).
class Progress {
public:
  Progress(int64_t total, std::FILE *out, bool bar = true);

  /// After each step: redraws the bar on a terminal.
  void step(int64_t step, double loss, double lr, double rate, const char *unit);
  /// A line that stays (the periodic log line, an evaluation).
  void line(const std::string &text);
  /// Removes the bar (before an error message).
  void clearBar();

private:
  int64_t total_;
  std::FILE *out_;
  bool terminal_, barShown_ = false;
};

} // namespace liprt::main

#endif // LIPRT_MAIN_PROGRESS_H
