//===- Gradient.cpp - Reverse-mode differentiation of lip functions -------===//
//
// The forward body is cloned into the gradient function with parameters
// turned into arguments; then one walk in reverse program order calls each
// op's buildVJP with the gradient of its result and adds up the gradients of
// values used more than once.
//
//===----------------------------------------------------------------------===//

#include "lipc/Autodiff/Gradient.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::lip;

LogicalResult mlir::lip::appendCrossEntropyLoss(func::FuncOp func) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  auto logitsType = ret.getNumOperands() == 1
                        ? dyn_cast<RankedTensorType>(ret.getOperand(0).getType())
                        : RankedTensorType();
  if (!logitsType || logitsType.getRank() < 1)
    return func.emitError("a cross-entropy loss needs a function returning one logits tensor");
  OpBuilder b(ret);
  auto labelsType = RankedTensorType::get(logitsType.getShape().drop_back(), b.getI32Type());
  BlockArgument labels = func.getBody().front().addArgument(labelsType, func.getLoc());
  auto lossType = RankedTensorType::get({}, logitsType.getElementType());
  Value loss = b.create<CrossEntropyOp>(ret.getLoc(), lossType, ret.getOperand(0), labels);
  ret.getOperandsMutable().assign(loss);
  SmallVector<Type> inputs(func.getArgumentTypes());
  inputs.push_back(labelsType);
  func.setType(b.getFunctionType(inputs, {lossType}));
  return success();
}

namespace {
/// Adds `grad` to what has been accumulated for `value`.
void accumulate(OpBuilder &b, DenseMap<Value, Value> &grads, Value value, Value grad) {
  auto [it, inserted] = grads.try_emplace(value, grad);
  if (!inserted)
    it->second = b.create<AddOp>(grad.getLoc(), grad.getType(), it->second, grad);
}

Value zerosLike(OpBuilder &b, Location loc, Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(tensor, b.getFloatAttr(tensor.getElementType(), 0.0)));
}
} // namespace

namespace {
/// A function after `func` taking `func`'s parameters (in program order,
/// annotated with name and constraint) and then its arguments, with `func`'s
/// body cloned into it; the terminator is left to the caller.
struct LiftedParams {
  func::FuncOp func;
  SmallVector<Type> paramTypes;
  SmallVector<Operation *> body; // the cloned ops, in program order
  IRMapping mapping;             // from `func`'s values to the clone's
};

LiftedParams liftParams(func::FuncOp func, StringRef name, ArrayRef<Type> extraResultsFront,
                        bool resultsPerParam) {
  SmallVector<ParamOp> params;
  func.walk([&](ParamOp p) { params.push_back(p); });
  LiftedParams lifted;
  SmallVector<Type> argTypes, resultTypes(extraResultsFront);
  for (ParamOp p : params)
    lifted.paramTypes.push_back(p.getType());
  argTypes.append(lifted.paramTypes);
  if (resultsPerParam)
    resultTypes.append(lifted.paramTypes);
  argTypes.append(func.getArgumentTypes().begin(), func.getArgumentTypes().end());

  OpBuilder b(func->getContext());
  b.setInsertionPointAfter(func);
  lifted.func =
      b.create<func::FuncOp>(func.getLoc(), name, b.getFunctionType(argTypes, resultTypes));
  Block *body = lifted.func.addEntryBlock();
  for (auto [i, p] : llvm::enumerate(params)) {
    lifted.func.setArgAttr(i, kParamNameAttrName, p.getNameAttr());
    lifted.func.setArgAttr(i, kConstraintAttrName, p.getConstraintAttr());
    if (p.getZeroInit())
      lifted.func.setArgAttr(i, kZeroInitAttrName, b.getUnitAttr());
    lifted.mapping.map(p.getResult(), body->getArgument(i));
  }
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    lifted.func.setArgAttrs(params.size() + i, func.getArgAttrDict(i));
    lifted.mapping.map(arg, body->getArgument(params.size() + i));
  }
  b.setInsertionPointToEnd(body);
  for (Operation &op : func.getBody().front().without_terminator())
    if (!isa<ParamOp>(op))
      lifted.body.push_back(b.clone(op, lifted.mapping));
  return lifted;
}
} // namespace

func::FuncOp mlir::lip::buildForwardFunction(func::FuncOp func, StringRef name) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  LiftedParams lifted = liftParams(func, name, func.getResultTypes(), /*resultsPerParam=*/false);
  SmallVector<Value> results;
  for (Value v : ret.getOperands())
    results.push_back(lifted.mapping.lookup(v));
  OpBuilder b = OpBuilder::atBlockEnd(&lifted.func.getBody().front());
  b.create<func::ReturnOp>(ret.getLoc(), results);
  return lifted.func;
}

std::string mlir::lip::gradientFunctionName(StringRef function) { return (function + "_grad").str(); }

FailureOr<func::FuncOp> mlir::lip::buildGradientFunction(func::FuncOp func) {
  func->getContext()->getOrLoadDialect<arith::ArithDialect>();
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  auto lossType = ret.getNumOperands() == 1
                      ? dyn_cast<RankedTensorType>(ret.getOperand(0).getType())
                      : RankedTensorType();
  if (!lossType || lossType.getRank() != 0)
    return func.emitError("only a function that returns a scalar loss can be differentiated");

  // Forward: the original body, parameters read from the arguments.
  LiftedParams lifted =
      liftParams(func, gradientFunctionName(func.getName()), {lossType}, /*resultsPerParam=*/true);
  func::FuncOp grad = lifted.func;
  Block *body = &grad.getBody().front();
  ArrayRef<Type> argTypes = lifted.paramTypes;
  size_t numParams = lifted.paramTypes.size();
  OpBuilder b = OpBuilder::atBlockEnd(body);
  SmallVector<Operation *> &forward = lifted.body;
  Value loss = lifted.mapping.lookup(ret.getOperand(0));

  // Backward, in reverse program order.
  DenseMap<Value, Value> grads;
  grads[loss] = b.create<arith::ConstantOp>(
      ret.getLoc(), DenseElementsAttr::get(lossType, b.getFloatAttr(lossType.getElementType(), 1.0)));
  for (Operation *op : llvm::reverse(forward)) {
    Value dy = grads.lookup(op->getResult(0));
    if (!dy)
      continue; // The loss does not depend on this op.
    auto vjp = dyn_cast<DifferentiableOpInterface>(op);
    if (!vjp) {
      op->emitError("'") << op->getName() << "' cannot be differentiated";
      grad.erase();
      return failure();
    }
    for (auto [operand, operandGrad] : llvm::zip(op->getOperands(), vjp.buildVJP(b, dy)))
      if (operandGrad)
        accumulate(b, grads, operand, operandGrad);
  }

  SmallVector<Value> results = {loss};
  for (unsigned i = 0; i < numParams; ++i) {
    Value g = grads.lookup(body->getArgument(i));
    results.push_back(g ? g : zerosLike(b, grad.getLoc(), argTypes[i]));
  }
  b.create<func::ReturnOp>(ret.getLoc(), results);
  // VJPs build the gradients of every operand; drop those nothing reads (an
  // input's gradient, the forward ops a parameter's gradient does not need).
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  return grad;
}
