//===- EmpiricalBound.h - Lipschitz ratios measured on real inputs -*- C++ -*-===//
//
// The other side of a certificate: ratios |f(x) - f(y)| / |x - y| (max-token
// RMS norms, one-hot tokens in l1) actually attained near held-out
// examples, with the trained weights, in the reference interpreter (double).
// For features, y follows the top right-singular vector of a
// finite-difference Jacobian at x (the direction of largest local stretch);
// for tokens, y changes one token of x. Any such ratio is a lower bound on
// the model's Lipschitz constant, so it must stay below the certified bound,
// and the gap shows how tight the certificate is.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_EMPIRICALBOUND_H
#define LIPC_DRIVER_EMPIRICALBOUND_H

#include "lipc/Reference/Interpreter.h"
#include "liprt/Examples.h"

namespace lipc {

struct EmpiricalSearch {
  int64_t examples = 8;        // held-out examples (training ones if none are held out)
  int64_t tokenChanges = 4;    // per example, for a model of tokens
  uint64_t seed = 0;
};

/// The largest ratio found for `model` (a lip function of one input) with
/// `weights`. Errors are emitted at the model.
mlir::FailureOr<double> empiricalLowerBound(mlir::func::FuncOp model,
                                            const mlir::lip::ParamMap &weights,
                                            const liprt::Examples &examples,
                                            const EmpiricalSearch &options);

} // namespace lipc

#endif // LIPC_DRIVER_EMPIRICALBOUND_H
