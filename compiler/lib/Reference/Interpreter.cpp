//===- Interpreter.cpp - Run a lip function with the reference kernels ----===//

#include "lipc/Reference/Interpreter.h"

#include "lip/Dialect/Lip/LipDialect.h"
#include "liprt/reference/Kernels.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::lip;
using liprt::ref::Tensor;

namespace {
class Interpreter {
public:
  explicit Interpreter(const ParamMap &params) : params(params) {}

  LogicalResult bind(Value value, Tensor tensor, Operation *where);
  FailureOr<Tensor> evaluate(Operation *op);
  const Tensor &get(Value v) const { return values.at(v); }

private:
  const Tensor &in(Operation *op, unsigned i) const { return get(op->getOperand(i)); }
  std::vector<int64_t> resultShape(Operation *op, const Tensor &like) const;
  LogicalResult checkIndices(Operation *op, const Tensor &ids, int64_t limit,
                             StringRef what) const;

  const ParamMap &params;
  llvm::DenseMap<Value, Tensor> values;
};
} // namespace

LogicalResult Interpreter::bind(Value value, Tensor tensor, Operation *where) {
  auto type = cast<RankedTensorType>(value.getType());
  bool ok = type.getRank() == tensor.rank();
  for (int64_t i = 0; ok && i < type.getRank(); ++i)
    ok = type.isDynamicDim(i) || type.getDimSize(i) == tensor.shape[i];
  if (!ok)
    return where->emitError("value of shape ")
           << tensor.shapeString() << " does not fit type " << type;
  values[value] = std::move(tensor);
  return success();
}

/// The result type's shape with dynamic dimensions taken from `like` (the
/// input whose leading dimensions the result shares).
std::vector<int64_t> Interpreter::resultShape(Operation *op, const Tensor &like) const {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  std::vector<int64_t> shape(type.getShape());
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      shape[i] = like.shape[i];
  return shape;
}

LogicalResult Interpreter::checkIndices(Operation *op, const Tensor &ids, int64_t limit,
                                        StringRef what) const {
  for (double id : ids.data)
    if (id < 0 || id >= static_cast<double>(limit) || id != static_cast<int64_t>(id))
      return op->emitError() << what << " " << id << " is outside [0, " << limit << ")";
  return success();
}

FailureOr<Tensor> Interpreter::evaluate(Operation *op) {
  namespace r = liprt::ref;
  return llvm::TypeSwitch<Operation *, FailureOr<Tensor>>(op)
      .Case([&](ParamOp p) -> FailureOr<Tensor> {
        auto it = params.find(p.getName().str());
        if (it == params.end())
          return p.emitError("no value given for parameter '") << p.getName() << "'";
        return it->second;
      })
      .Case([&](LinearOp) -> FailureOr<Tensor> { return r::linear(in(op, 0), in(op, 1)); })
      .Case([&](EmbeddingOp) -> FailureOr<Tensor> {
        if (failed(checkIndices(op, in(op, 0), in(op, 1).dim(0), "token id")))
          return failure();
        return r::embedding(in(op, 0), in(op, 1));
      })
      .Case([&](ReluOp) -> FailureOr<Tensor> { return r::relu(in(op, 0)); })
      .Case([&](AbsOp) -> FailureOr<Tensor> { return r::abs(in(op, 0)); })
      .Case([&](MaxMinOp) -> FailureOr<Tensor> { return r::maxmin(in(op, 0)); })
      .Case([&](GeluOp g) -> FailureOr<Tensor> {
        return r::gelu(in(op, 0), g.getTanh(), g.getScale().convertToDouble());
      })
      .Case([&](AddOp) -> FailureOr<Tensor> { return r::add(in(op, 0), in(op, 1)); })
      .Case([&](ScaleOp s) -> FailureOr<Tensor> {
        return r::scale(in(op, 0), s.getFactor().convertToDouble());
      })
      .Case([&](ResidualOp res) -> FailureOr<Tensor> {
        return r::residual(in(op, 0), in(op, 1), res.getAlpha().convertToDouble());
      })
      .Case([&](AttentionOp a) -> FailureOr<Tensor> {
        return r::attention(in(op, 0), in(op, 1), in(op, 2), a.getCausal(),
                            a.getLogitScale().convertToDouble(),
                            a.getOutputFactor().convertToDouble());
      })
      .Case([&](RopeOp rope) -> FailureOr<Tensor> {
        return r::rope(in(op, 0), rope.getBase().convertToDouble());
      })
      .Case<SplitHeadsOp, MergeHeadsOp>([&](auto) -> FailureOr<Tensor> {
        return r::reshape(in(op, 0), resultShape(op, in(op, 0)));
      })
      .Case([&](FlattenOp) -> FailureOr<Tensor> {
        const Tensor &x = in(op, 0);
        return r::reshape(x, {x.dim(0), x.numel() / std::max<int64_t>(x.dim(0), 1)});
      })
      .Case([&](MeanPoolOp) -> FailureOr<Tensor> { return r::meanPool(in(op, 0)); })
      .Case([&](CrossEntropyOp) -> FailureOr<Tensor> {
        const Tensor &logits = in(op, 0);
        if (failed(checkIndices(op, in(op, 1), logits.dim(-1), "label")))
          return failure();
        return Tensor({}, r::crossEntropy(logits, in(op, 1)));
      })
      .Default([&](Operation *other) -> FailureOr<Tensor> {
        return other->emitError("the reference interpreter cannot run '")
               << other->getName() << "'";
      });
}

FailureOr<SmallVector<Tensor>> mlir::lip::interpret(func::FuncOp func,
                                                    ArrayRef<Tensor> args,
                                                    const ParamMap &params) {
  if (args.size() != func.getNumArguments())
    return func.emitError("expected ")
           << func.getNumArguments() << " arguments, got " << args.size();
  Interpreter interp(params);
  for (auto [arg, tensor] : llvm::zip(func.getArguments(), args))
    if (failed(interp.bind(arg, tensor, func)))
      return failure();
  for (Operation &op : func.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      SmallVector<Tensor> results;
      for (Value v : ret.getOperands())
        results.push_back(interp.get(v));
      return results;
    }
    FailureOr<Tensor> result = interp.evaluate(&op);
    if (failed(result) || failed(interp.bind(op.getResult(0), std::move(*result), &op)))
      return failure();
  }
  return func.emitError("function has no return");
}
