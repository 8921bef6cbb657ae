//===- Interpreter.cpp - Run a lip function with the reference kernels ----===//

#include "lipc/Reference/Interpreter.h"

#include "lip/Dialect/Lip/LipDialect.h"
#include "lip/Dialect/LipOpt/LipOptDialect.h"
#include "lipnum/GradKernels.h"
#include "lipnum/OptKernels.h"
#include "lipnum/Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::lip;
using lipnum::Tensor;

namespace {
class Interpreter {
public:
  explicit Interpreter(const ParamMap &params) : params(params) {}

  LogicalResult bind(Value value, Tensor tensor, Operation *where);
  /// The op's results, or failure (reported at the op).
  FailureOr<SmallVector<Tensor>> evaluate(Operation *op);
  const Tensor &get(Value v) const { return values.at(v); }

private:
  const Tensor &in(Operation *op, unsigned i) const { return get(op->getOperand(i)); }
  std::vector<int64_t> resultShape(Operation *op, const Tensor &like) const;
  FailureOr<Tensor> evaluateForward(Operation *op);
  FailureOr<SmallVector<Tensor>> evaluateOptimizer(Operation *op);
  FailureOr<Tensor> evaluateBackward(Operation *op);
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

FailureOr<SmallVector<Tensor>> Interpreter::evaluate(Operation *op) {
  namespace r = lipnum;
  if (auto grad = dyn_cast<AttentionGradOp>(op)) {
    auto [dq, dk, dv] = r::attentionGrad(in(op, 0), in(op, 1), in(op, 2), in(op, 3),
                                         grad.getCausal(), grad.getLogitScale().convertToDouble(),
                                         grad.getOutputFactor().convertToDouble());
    return SmallVector<Tensor>{dq, dk, dv};
  }
  if (isa_and_nonnull<lipopt::LipOptDialect>(op->getDialect()))
    return evaluateOptimizer(op);
  if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
    if (!callee)
      return call.emitError("no function '") << call.getCallee() << "' to call";
    SmallVector<Tensor> args;
    for (Value v : call.getOperands())
      args.push_back(get(v));
    return interpret(callee, args, params);
  }
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    auto dense = dyn_cast<DenseFPElementsAttr>(constant.getValue());
    if (!dense)
      return op->emitError("the reference interpreter runs only float tensor constants");
    Tensor t(std::vector<int64_t>(dense.getType().getShape()));
    for (auto [i, v] : llvm::enumerate(dense.getValues<APFloat>()))
      t.data[i] = v.convertToDouble();
    return SmallVector<Tensor>{t};
  }
  FailureOr<Tensor> result = evaluateForward(op);
  if (failed(result))
    return failure();
  return SmallVector<Tensor>{std::move(*result)};
}

FailureOr<Tensor> Interpreter::evaluateBackward(Operation *op) {
  namespace r = lipnum;
  return llvm::TypeSwitch<Operation *, FailureOr<Tensor>>(op)
      .Case([&](LinearGradInputOp) -> FailureOr<Tensor> {
        return r::linearGradInput(in(op, 0), in(op, 1));
      })
      .Case([&](LinearGradWeightOp) -> FailureOr<Tensor> {
        return r::linearGradWeight(in(op, 0), in(op, 1));
      })
      .Case([&](EmbeddingGradOp e) -> FailureOr<Tensor> {
        int64_t vocab = e.getType().getDimSize(0);
        if (failed(checkIndices(op, in(op, 0), vocab, "token id")))
          return failure();
        return r::embeddingGrad(in(op, 0), in(op, 1), vocab);
      })
      .Case([&](ReluGradOp) -> FailureOr<Tensor> { return r::reluGrad(in(op, 0), in(op, 1)); })
      .Case([&](AbsGradOp) -> FailureOr<Tensor> { return r::absGrad(in(op, 0), in(op, 1)); })
      .Case([&](MaxMinGradOp) -> FailureOr<Tensor> { return r::maxminGrad(in(op, 0), in(op, 1)); })
      .Case([&](GeluGradOp g) -> FailureOr<Tensor> {
        return r::geluGrad(in(op, 0), in(op, 1), g.getTanh(), g.getScale().convertToDouble());
      })
      .Case([&](RopeGradOp g) -> FailureOr<Tensor> {
        return r::ropeGrad(in(op, 0), g.getBase().convertToDouble());
      })
      .Case([&](MeanPoolGradOp g) -> FailureOr<Tensor> {
        return r::meanPoolGrad(in(op, 0), g.getType().getDimSize(1));
      })
      .Case([&](ConcatGradOp g) -> FailureOr<Tensor> {
        return r::sliceLast(in(op, 0), g.getOffset(), g.getType().getShape().back());
      })
      .Case([&](CrossEntropyGradOp) -> FailureOr<Tensor> {
        const Tensor &logits = in(op, 0);
        if (failed(checkIndices(op, in(op, 1), logits.dim(-1), "label")))
          return failure();
        return r::crossEntropyGrad(logits, in(op, 1), in(op, 2).data[0]);
      })
      .Default([&](Operation *other) -> FailureOr<Tensor> {
        return other->emitError("the reference interpreter cannot run '")
               << other->getName() << "'";
      });
}

FailureOr<Tensor> Interpreter::evaluateForward(Operation *op) {
  namespace r = lipnum;
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
      .Case([&](PositionsOp) -> FailureOr<Tensor> { return r::positions(in(op, 0)); })
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
      .Case<SplitHeadsOp, MergeHeadsOp, UnflattenOp>([&](auto) -> FailureOr<Tensor> {
        return r::reshape(in(op, 0), resultShape(op, in(op, 0)));
      })
      .Case([&](ConcatOp c) -> FailureOr<Tensor> {
        std::vector<Tensor> parts;
        for (unsigned i = 0; i < c.getInputs().size(); ++i)
          parts.push_back(in(op, i));
        return r::concat(parts);
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
      .Default([&](Operation *other) { return evaluateBackward(other); });
}

FailureOr<SmallVector<Tensor>> Interpreter::evaluateOptimizer(Operation *op) {
  namespace r = lipnum;
  using Results = FailureOr<SmallVector<Tensor>>;
  auto scalar = [&](unsigned i) { return in(op, i).data[0]; };
  auto one = [](Tensor t) { return Results(SmallVector<Tensor>{std::move(t)}); };
  auto two = [](std::pair<Tensor, Tensor> p) {
    return Results(SmallVector<Tensor>{std::move(p.first), std::move(p.second)});
  };
  auto steps = [](auto o) {
    auto s = o.getSteps();
    return std::vector<r::PolyStep>(s.begin(), s.end());
  };
  return llvm::TypeSwitch<Operation *, Results>(op)
      .Case([&](lipopt::LearningRateOp o) {
        double scale = o.getScale() ? get(o.getScale()).data[0] : 1.0;
        double horizon = o.getHorizon() ? get(o.getHorizon()).data[0] : o.getSteps();
        return one(Tensor({}, o.rateAt(scalar(0), scale, horizon)));
      })
      .Case([&](lipopt::MomentumOp o) {
        double beta = o.betaAt(o.getStep() ? get(o.getStep()).data[0] : 0.0);
        return two(r::momentum(in(op, 0), in(op, 1), beta, o.getNesterov()));
      })
      .Case([&](lipopt::NewtonSchulzOp o) {
        return one(r::newtonSchulz(in(op, 0), steps(o), o.getEps().convertToDouble()));
      })
      .Case([&](lipopt::AdamOp o) {
        auto [m, v, d] = r::adam(in(op, 0), in(op, 1), in(op, 2), scalar(3),
                                 o.getBeta1().convertToDouble(), o.getBeta2().convertToDouble(),
                                 o.getEps().convertToDouble());
        return Results(SmallVector<Tensor>{m, v, d});
      })
      .Case([&](lipopt::ApplyUpdateOp o) {
        return one(r::applyUpdate(in(op, 0), in(op, 1), scalar(2), o.getScale().convertToDouble(),
                                  o.getDecay().convertToDouble()));
      })
      .Case([&](lipopt::SoftCapCouplingOp o) {
        double lr = scalar(0);
        double k = 1 - o.getDecay().convertToDouble() * lr +
                   lr * o.getUpdateNorm().convertToDouble() / o.getWMax().convertToDouble();
        return one(Tensor({}, r::softCapCoupling(k)));
      })
      .Case([&](lipopt::SoftCapOp o) {
        return one(r::softCap(in(op, 0), scalar(1), o.getWMax().convertToDouble()));
      })
      .Case([&](lipopt::HardCapOp o) { return one(r::hardCap(in(op, 0), o.getWMax().convertToDouble())); })
      .Case([&](lipopt::ExactCapOp o) { return one(r::exactCap(in(op, 0), o.getWMax().convertToDouble())); })
      .Case([&](lipopt::OrthogonalizeOp o) {
        return one(r::orthogonalize(in(op, 0), o.getWMax().convertToDouble()));
      })
      .Case([&](lipopt::NormalizeRowsOp o) {
        return one(r::normalizeRows(in(op, 0), o.getInflation().convertToDouble()));
      })
      .Case([&](lipopt::EmbedCapOp o) { return one(r::embedCap(in(op, 0), o.getWMax().convertToDouble())); })
      .Case([&](lipopt::SpectralNormalizeOp o) {
        return two(r::spectralNormalize(in(op, 0), in(op, 1), o.getWMax().convertToDouble(),
                                        o.getPowerSteps(), o.getGramSteps()));
      })
      .Case([&](lipopt::SpectralHammerOp o) {
        return two(r::spectralHammer(in(op, 0), in(op, 1), o.getWMax().convertToDouble(),
                                     o.getPowerSteps()));
      })
      .Case([&](lipopt::SpectralWeightDecayOp o) {
        return two(r::spectralWeightDecay(in(op, 0), in(op, 1), o.getStrength().convertToDouble(),
                                          o.getPowerSteps()));
      })
      .Case([&](lipopt::AllReduceOp) {
        // The interpreter is one process: the mean over one rank.
        SmallVector<Tensor> same;
        for (unsigned i = 0; i < op->getNumOperands(); ++i)
          same.push_back(in(op, i));
        return Results(std::move(same));
      })
      .Case([&](lipopt::MuonSoftCapOp o) {
        double beta = o.betaAt(o.getStep() ? get(o.getStep()).data[0] : 0.0);
        return two(r::muonSoftCap(in(op, 0), in(op, 1), in(op, 2), scalar(3), scalar(4), beta,
                                  o.getNesterov(), steps(o),
                                  o.getEps().convertToDouble(), o.getScale().convertToDouble(),
                                  o.getDecay().convertToDouble(), o.getWMax().convertToDouble()));
      })
      .Default([&](Operation *other) -> Results {
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
    FailureOr<SmallVector<Tensor>> results = interp.evaluate(&op);
    if (failed(results))
      return failure();
    for (auto [value, tensor] : llvm::zip(op.getResults(), *results))
      if (failed(interp.bind(value, std::move(tensor), &op)))
        return failure();
  }
  return func.emitError("function has no return");
}
