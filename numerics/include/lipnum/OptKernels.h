//===- OptKernels.h - Reference kernels of the lipopt ops -----------------===//
//
// Optimizer steps and weight projections on [fan_out, fan_in] matrices in
// double precision, as the lipopt op descriptions state them. Projections
// work on X = W / (sqrt(fan_out / fan_in) w_max).
//
//===----------------------------------------------------------------------===//

#ifndef LIPNUM_OPTKERNELS_H
#define LIPNUM_OPTKERNELS_H

#include "lipnum/OptMath.h"
#include "lipnum/Tensor.h"

#include <utility>

namespace lipnum {

/// {buf', update} of momentum with optional Nesterov look-ahead.
std::pair<Tensor, Tensor> momentum(const Tensor &buffer, const Tensor &grad, double beta,
                                   bool nesterov);
/// msign(M) by the polynomial iteration `steps` after Frobenius normalization.
Tensor newtonSchulz(const Tensor &m, const std::vector<PolyStep> &steps, double eps);
/// {m', v', direction} of Adam with bias correction at 0-based `step`.
std::array<Tensor, 3> adam(const Tensor &m, const Tensor &v, const Tensor &grad, double step,
                           double beta1, double beta2, double eps);
/// W (1 - decay lr) - lr scale U.
Tensor applyUpdate(const Tensor &w, const Tensor &u, double lr, double scale, double decay);

Tensor softCap(const Tensor &w, double alpha, double wMax);
Tensor hardCap(const Tensor &w, double wMax);
Tensor exactCap(const Tensor &w, double wMax);
Tensor orthogonalize(const Tensor &w, double wMax);
Tensor embedCap(const Tensor &e, double wMax);
/// Every row divided by max(1 / inflation, its RMS) (lipopt.normalize_rows).
Tensor normalizeRows(const Tensor &m, double inflation);
/// {W', v'}: divides X by max(1, sigma_up) (Gram-iteration upper bound).
std::pair<Tensor, Tensor> spectralNormalize(const Tensor &w, const Tensor &v, double wMax,
                                            int64_t powerSteps, int64_t gramSteps);
std::pair<Tensor, Tensor> spectralHammer(const Tensor &w, const Tensor &v, double wMax,
                                         int64_t powerSteps);
std::pair<Tensor, Tensor> spectralWeightDecay(const Tensor &w, const Tensor &v, double strength,
                                              int64_t powerSteps);

/// Everything lipopt.muon_soft_cap fuses, in one kernel: {W', buf'}.
std::pair<Tensor, Tensor> muonSoftCap(const Tensor &w, const Tensor &buffer, const Tensor &grad,
                                      double lr, double alpha, double beta, bool nesterov,
                                      const std::vector<PolyStep> &steps, double eps, double scale,
                                      double decay, double wMax);

/// The singular values of a matrix, largest first (one-sided Jacobi; exact
/// to rounding, for tests and certificates on small matrices).
std::vector<double> singularValues(const Tensor &w);
/// A rigorous upper bound on sigma_max(w) from `steps` Gram squarings.
double sigmaUpperBound(const Tensor &w, int64_t steps);

} // namespace lipnum

#endif // LIPNUM_OPTKERNELS_H
