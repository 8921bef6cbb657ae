//===- Interpreter.h - Run a lip function with the reference kernels ------===//
//
// Evaluates a function of lip ops op by op with liprt's reference kernels in
// double precision: the golden model that generated code and the empirical
// soundness tests are checked against. Parameters are looked up by name.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_REFERENCE_INTERPRETER_H
#define LIPC_REFERENCE_INTERPRETER_H

#include "lipnum/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>
#include <string>

namespace mlir::lip {

using ParamMap = std::map<std::string, lipnum::Tensor>;

/// Runs `func` on `args` (one tensor per argument, integers stored as
/// doubles). Shapes, ids and labels are checked against the IR; a mismatch is
/// an error at the offending op, never a crash.
FailureOr<SmallVector<lipnum::Tensor>>
interpret(func::FuncOp func, ArrayRef<lipnum::Tensor> args, const ParamMap &params);

} // namespace mlir::lip

#endif // LIPC_REFERENCE_INTERPRETER_H
