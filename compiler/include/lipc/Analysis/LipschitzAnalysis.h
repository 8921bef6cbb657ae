//===- LipschitzAnalysis.h - Forward Lipschitz bound analysis ---*- C++ -*-===//
//
// Computes, for every value of a function in the lip dialect, upper bounds on
// its Lipschitz constant from the model input and on its max-token RMS. The
// function body is one block, so a single walk in program order reaches every
// value after its operands (the worklist of Toy's shape inference, with a
// trivial order). An op without a rule is an error, never a factor of 1.
//
// Function arguments: float tensors are model inputs (Lipschitz 1); their RMS
// bound comes from the `lip.rms_bound` argument attribute (unbounded without
// it). Integer tensors are token ids or labels and are not perturbed.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_ANALYSIS_LIPSCHITZANALYSIS_H
#define LIPC_ANALYSIS_LIPSCHITZANALYSIS_H

#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::lip {

/// The rule applied at one op, in program order.
struct OpBoundRecord {
  Operation *op;
  RuleResult rule;
};

class LipschitzAnalysis {
public:
  /// Runs the analysis; errors go to the op at fault. Check `succeeded()`.
  explicit LipschitzAnalysis(func::FuncOp func);
  /// The form the pass manager's analysis cache builds (getAnalysis in a
  /// pass on func.func): passes that run after another on the same
  /// function, with the IR unchanged in between, share one result.
  explicit LipschitzAnalysis(Operation *func) : LipschitzAnalysis(cast<func::FuncOp>(func)) {}

  bool succeeded() const { return ok; }
  /// The bound of `value`; null if the analysis failed before reaching it.
  const ValueBound *lookup(Value value) const;
  /// Every op with a rule, in program order.
  ArrayRef<OpBoundRecord> getRecords() const { return records; }
  /// The bound of the function's result: the largest over returned values
  /// (the max norm over a tuple of outputs). Null if the analysis failed.
  std::optional<ValueBound> getResultBound() const { return resultBound; }

private:
  LogicalResult run(func::FuncOp func);

  llvm::DenseMap<Value, ValueBound> bounds;
  SmallVector<OpBoundRecord> records;
  std::optional<ValueBound> resultBound;
  bool ok = false;
};

} // namespace mlir::lip

#endif // LIPC_ANALYSIS_LIPSCHITZANALYSIS_H
