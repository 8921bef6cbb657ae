//===- OptMath.cpp - Scalar formulas of the optimizers and constraints ----===//

#include "lipnum/OptMath.h"

#include <cmath>

namespace lipnum {

double learningRate(ScheduleKind kind, double base, double step, int64_t steps, int64_t warmup,
                    double fraction, double floor) {
  if (step < warmup)
    return base * (step + 1) / warmup;
  double s = step - warmup;
  double total = std::max<double>(steps - warmup, 1);
  switch (kind) {
  case ScheduleKind::Constant:
    return base;
  case ScheduleKind::Linear:
    return base * std::max(0.0, (total - s) / total);
  case ScheduleKind::Cosine:
    return base * 0.5 * (1 + std::cos(M_PI * std::min(s / total, 1.0)));
  case ScheduleKind::Cooldown: {
    double x = s / total;
    if (x < 1 - fraction)
      return base;
    double w = std::max(0.0, (1 - x) / fraction);
    return base * (w + (1 - w) * floor);
  }
  }
  return base;
}

double softCapCoupling(double k) {
  if (!(k > 1))
    return 0.0;
  // With t = alpha k^2, p_alpha(k) = k g(t), g(t) = 1 - 3t^2 + 3t^3 - t^4,
  // which falls strictly from g(0) = 1 to g(1) = 0: bisect g(t) = 1/k.
  auto g = [](double t) { return 1 - 3 * t * t + 3 * t * t * t - t * t * t * t; };
  double lo = 0, hi = 1, target = 1 / k;
  for (int i = 0; i < 200 && hi - lo > 0; ++i) {
    double mid = 0.5 * (lo + hi);
    (g(mid) > target ? lo : hi) = mid;
  }
  // hi has g(hi) <= 1/k: the cap maps k to at most 1.
  return hi / (k * k);
}

const std::vector<PolyStep> &newtonSchulzSet(int index) {
  static const std::vector<std::vector<PolyStep>> sets = {
      std::vector<PolyStep>(5, PolyStep{3.4445, -4.7750, 2.0315}),
      {{3955 / 1024.0, -8306 / 1024.0, 5008 / 1024.0},
       {3735 / 1024.0, -6681 / 1024.0, 3463 / 1024.0},
       {3799 / 1024.0, -6499 / 1024.0, 3211 / 1024.0},
       {4019 / 1024.0, -6385 / 1024.0, 2906 / 1024.0},
       {2677 / 1024.0, -3029 / 1024.0, 1162 / 1024.0},
       {2172 / 1024.0, -1833 / 1024.0, 682 / 1024.0}},
      {{4.0848, -6.8946, 2.9270},
       {3.9505, -6.3029, 2.6377},
       {3.7418, -5.5913, 2.3037},
       {2.8769, -3.1427, 1.2046},
       {2.8366, -3.0525, 1.2012}},
  };
  return sets.at(index);
}

const std::vector<PolyStep> &hardCapSteps() {
  static const std::vector<PolyStep> steps = {{0.805032, 0.206361, -0.019763},
                                              {0.649867, 0.162935, -0.011150},
                                              {1.810259, -0.200265, 0.008251},
                                              {1.004384, -0.183490, 0.014413}};
  return steps;
}

double polynomialMap(const std::vector<PolyStep> &steps, double sigma) {
  for (const PolyStep &s : steps)
    sigma = s[0] * sigma + (s[1] * sigma * sigma + s[2] * sigma * sigma * sigma * sigma) * sigma;
  return sigma;
}

} // namespace lipnum
