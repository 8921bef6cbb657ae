//===- Progress.cpp - Training progress on a terminal or in plain lines ---===//

#include "Progress.h"

#include <unistd.h>

using namespace liprt::main;

Progress::Progress(int64_t total, std::FILE *out, bool bar)
    : total_(total), out_(out), terminal_(bar && isatty(fileno(out))) {}

void Progress::step(int64_t step, double loss, double lr, double rate, const char *unit) {
  if (!terminal_)
    return;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(kWidth * (step + 1) / total_);
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(out_, "\r[%s] %lld/%lld  loss %.4f  lr %.4g  %.0f %s/s\033[K", bar.c_str(),
               static_cast<long long>(step + 1), static_cast<long long>(total_), loss, lr, rate,
               unit);
  std::fflush(out_);
  barShown_ = true;
}

void Progress::line(const std::string &text) {
  clearBar();
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

void Progress::clearBar() {
  if (barShown_)
    std::fputs("\r\033[K", out_);
  barShown_ = false;
}
