//===- OptMath.h - Scalar formulas of the optimizers and constraints ------===//
//
// The learning-rate schedules, the soft cap's coupling alpha and the
// polynomial coefficient sets (Newton-Schulz, hard cap). Plain C++, shared by
// the reference kernels and the lipopt dialect's folders, so a constant
// folded at compile time equals what the kernels compute.
//
//===----------------------------------------------------------------------===//

#ifndef LIPNUM_OPTMATH_H
#define LIPNUM_OPTMATH_H

#include <array>
#include <cstdint>
#include <vector>

namespace lipnum {

using PolyStep = std::array<double, 3>; // X <- a X + (b A + c A^2) X, A = X X^T

enum class ScheduleKind { Constant = 0, Linear = 1, Cosine = 2, Cooldown = 3 };

/// base * multiplier at 0-based `step` of `steps`, after `warmup` steps of
/// linear warm-up. Cooldown: constant, then linear to `floor` over the last
/// `fraction` of training (the NanoGPT schedule).
double learningRate(ScheduleKind kind, double base, double step, int64_t steps, int64_t warmup,
                    double fraction, double floor);

/// The largest sigma (normalized units) that the soft cap provably maps
/// under 1: 81/62 = 1.30645... (p' first vanishes at alpha sigma^2 = 1/3).
inline constexpr double kSoftCapMaxK = 81.0 / 62.0;

/// The soft cap's alpha: the smallest alpha >= 0 with p_alpha(k) = 1, where
/// p_alpha(s) = q + alpha q^3, q = s - alpha s^3; 0 when k <= 1 (pitfall P6).
double softCapCoupling(double k);

/// The Newton-Schulz sets of algorithms.md 4.1 (index = lipopt::NewtonSchulzSet).
const std::vector<PolyStep> &newtonSchulzSet(int index);

/// The hard cap's four odd quintic steps (algorithms.md 3.4).
const std::vector<PolyStep> &hardCapSteps();

/// The scalar map of a polynomial iteration on one singular value.
double polynomialMap(const std::vector<PolyStep> &steps, double sigma);

} // namespace lipnum

#endif // LIPNUM_OPTMATH_H
