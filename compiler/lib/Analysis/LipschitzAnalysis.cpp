//===- LipschitzAnalysis.cpp - Forward Lipschitz bound analysis -----------===//

#include "lipc/Analysis/LipschitzAnalysis.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::lip;

LipschitzAnalysis::LipschitzAnalysis(func::FuncOp func) {
  ok = mlir::succeeded(run(func));
}

const ValueBound *LipschitzAnalysis::lookup(Value value) const {
  auto it = bounds.find(value);
  return it == bounds.end() ? nullptr : &it->second;
}

static ValueBound argumentBound(func::FuncOp func, BlockArgument arg) {
  ValueBound b;
  auto type = dyn_cast<ShapedType>(arg.getType());
  bool isFloat = type ? isa<FloatType>(type.getElementType()) : isa<FloatType>(arg.getType());
  if (!isFloat) {
    // Token ids (and labels): the input itself, as one-hot vectors (l1 per
    // token); lip.embedding measures from there and cross_entropy does not
    // read its labels' bound.
    b.lipschitz = 1;
    return b;
  }
  b.lipschitz = 1;
  if (auto rms = func.getArgAttrOfType<FloatAttr>(arg.getArgNumber(), kRmsBoundAttrName))
    b.rms = rms.getValueAsDouble();
  return b;
}

LogicalResult LipschitzAnalysis::run(func::FuncOp func) {
  if (func.isExternal())
    return func.emitError("cannot bound an external function (no body)");
  if (!func.getBody().hasOneBlock())
    return func.emitError("the bound analysis needs a single-block function body");

  for (BlockArgument arg : func.getArguments())
    bounds[arg] = argumentBound(func, arg);

  for (Operation &op : func.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      if (ret.getNumOperands() == 0)
        return ret.emitError("the function returns nothing to bound");
      ValueBound result;
      result.lipschitz = 0;
      result.rms = 0;
      for (Value v : ret.getOperands()) {
        const ValueBound &b = bounds.at(v);
        result.lipschitz = std::max(result.lipschitz, b.lipschitz);
        result.rms = std::max(result.rms, b.rms);
        if (result.isCertified())
          result.notCertified = b.notCertified;
      }
      resultBound = result;
      continue;
    }
    auto rule = dyn_cast<LipschitzBoundOpInterface>(op);
    if (!rule)
      return op.emitError("'")
             << op.getName()
             << "' has no Lipschitz rule; every op of a certified graph needs one";
    if (op.getNumResults() != 1 || op.getNumRegions() != 0)
      return op.emitError("a Lipschitz rule needs exactly one result and no regions");
    SmallVector<ValueBound> operands;
    for (Value v : op.getOperands())
      operands.push_back(bounds.at(v));
    RuleResult r = rule.inferLipschitzBound(operands);
    bounds[op.getResult(0)] = r.bound;
    records.push_back({&op, std::move(r)});
  }
  if (!resultBound)
    return func.emitError("function has no return");
  return success();
}
