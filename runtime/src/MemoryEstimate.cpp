//===- MemoryEstimate.cpp - Whether a batch can fit in memory -------------===//

#include "liprt/MemoryEstimate.h"

#include <algorithm>
#include <cstdio>

#include <unistd.h>

using namespace liprt;

namespace {
/// Positions a sample's logits score: [batch, positions..., classes].
double positionsPerSample(const StepManifest &m) {
  double positions = 1;
  if (m.hasForward())
    for (size_t i = 1; i + 1 < m.forwardResults[0].shape.size(); ++i)
      positions *= static_cast<double>(m.forwardResults[0].shape[i]);
  return positions;
}

std::string gibibytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f GiB", bytes / (1u << 30));
  return text;
}
} // namespace

double liprt::estimateStepBytes(const StepManifest &m, int64_t batch) {
  // Doubles: an absurd batch must give an absurd size, not wrap around.
  double fixed = 0, perSample = 0;
  for (const StepTensor &a : m.arguments) {
    if (a.isCarried())
      fixed += 2.0 * static_cast<double>(a.bytes(0));
    else if (a.role == Role::Input || a.role == Role::Labels)
      perSample += static_cast<double>(a.bytes(1));
    if (a.role == Role::Param)
      perSample += positionsPerSample(m) * sizeof(float) *
                   static_cast<double>(a.shape.empty() ? 1 : *std::min_element(a.shape.begin(),
                                                                              a.shape.end()));
  }
  if (m.hasForward())
    perSample += static_cast<double>(m.forwardResults[0].bytes(1));
  return fixed + static_cast<double>(batch) * perSample;
}

double liprt::physicalMemoryBytes() {
  return static_cast<double>(::sysconf(_SC_PHYS_PAGES)) *
         static_cast<double>(::sysconf(_SC_PAGE_SIZE));
}

Status liprt::checkBatchFits(const StepManifest &m, int64_t batch, double available) {
  double needed = estimateStepBytes(m, batch);
  if (needed <= available)
    return Status::ok();
  return Status::error("a step on a batch of " + std::to_string(batch) + " needs at least " +
                       gibibytes(needed) + " of memory, more than this machine's " +
                       gibibytes(available) + "; give a smaller --batch");
}
