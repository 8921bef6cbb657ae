//===- ExactCap.h - The exact spectral cap compiled steps call -*- C++ -*-===//
//
// convert-lip-to-linalg lowers `lipopt.exact_cap` to a call of this entry
// point on the weight's buffer: `out` = U min(S, cap) V^T for `in` = U S V^T,
// `cap` a bound on the spectral norm (w_max times sqrt(fan_out / fan_in) for
// the RMS->RMS norm). `in` and `out` have the same shape, any strides.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_EXACTCAP_H
#define LIPRT_EXACTCAP_H

#include "liprt/Gemm.h"

extern "C" void _mlir_ciface_liprt_exact_cap(liprt::F32Memref<2> *in, liprt::F32Memref<2> *out,
                                             double cap);

#endif // LIPRT_EXACTCAP_H
