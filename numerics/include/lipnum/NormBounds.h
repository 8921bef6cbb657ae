//===- NormBounds.h - Rigorous upper bounds on a weight's norm -*- C++ -*-===//
//
// What a certificate of trained weights rests on (`lipc certify`, and the
// binaries' `eval` before it prints certified robust accuracy): an upper
// bound on each weight's norm, never an estimate from below (a power
// iteration), and how far that bound may exceed the true norm, so that a
// weight exactly at its cap is not reported as exceeding it.
//
//===----------------------------------------------------------------------===//

#ifndef LIPNUM_NORMBOUNDS_H
#define LIPNUM_NORMBOUNDS_H

#include "lipnum/Tensor.h"

namespace lipnum {

/// The norms constraints bound: RMS->RMS (sqrt(fan_in / fan_out) times the
/// spectral norm) or, for embedding tables, l1->RMS (the largest row RMS).
enum class WeightNorm { RmsToRms, L1ToRms };

/// An upper bound on the norm of weight `w` ([fan_out, fan_in]): Gram
/// iteration for the spectral norm (16 squarings: at most 6e-5 above it for
/// rank 1024), the exact largest row RMS rounded up. +inf when `w` holds a
/// non-finite value.
double normUpperBound(const Tensor &w, WeightNorm norm);

/// The factor by which normUpperBound may exceed the true norm (the Gram
/// iteration's worst case), times float32 rounding.
double normBoundSlack(const Tensor &w, WeightNorm norm);

} // namespace lipnum

#endif // LIPNUM_NORMBOUNDS_H
