//===- Limits.cpp - Allowed ranges of spec values --------------------------===//

#include "lipspec/Limits.h"

#include <cmath>
#include <cstdio>

using namespace lipc::spec;

bool NumberRange::contains(double value) const {
  // NaN fails every comparison, so it is never in range.
  bool aboveLo = loOpen ? value > lo : value >= lo;
  bool belowHi = hiOpen ? value < hi : value <= hi;
  return aboveLo && belowHi && (!whole || value == std::trunc(value));
}

namespace {
std::string format(double value, bool whole) {
  char buffer[32];
  if (whole)
    std::snprintf(buffer, sizeof(buffer), "%lld", static_cast<long long>(value));
  else
    std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}
} // namespace

std::string NumberRange::describe() const {
  std::string low = format(lo, whole);
  if (hi == kNoUpperBound)
    return std::string(whole ? "a whole number" : "a finite number") + (loOpen ? " > " : " >= ") +
           low;
  std::string high = format(hi, whole);
  if (whole)
    return "a whole number from " + low + " to " + high;
  return "a number in " + std::string(loOpen ? "(" : "[") + low + ", " + high + (hiOpen ? ")" : "]");
}
