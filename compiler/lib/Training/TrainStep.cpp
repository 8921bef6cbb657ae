//===- TrainStep.cpp - Build the training step of a model in the IR -------===//
//
// One call of the gradient function, then for each parameter, in order: its
// optimizer's update (Muon for matrices with an RMS->RMS norm, AdamW for the
// rest and for everything when the optimizer is adamw) and immediately the
// projection its constraint asks for. dialects/lipopt/Rationale.md gives
// the formulas.
//
//===----------------------------------------------------------------------===//

#include "lipc/Training/TrainStep.h"

#include "lip/Dialect/Lip/LipConstraints.h"
#include "lip/Dialect/Lip/LipDialect.h"
#include "lipc/Autodiff/Gradient.h"
#include "lipc_abi.h"
#include "lipnum/OptMath.h"

#include "mlir/IR/Builders.h"

#include <cmath>
#include <functional>
#include <map>
#include <optional>

using namespace mlir;
using namespace mlir::lip;

double mlir::lip::newtonSchulzMaxSigma(lipopt::NewtonSchulzSet set) {
  switch (set) {
  case lipopt::NewtonSchulzSet::jiacheng6:
    return 0.99934; // OptMathTest: max 0.999335 on [0, 1]
  case lipopt::NewtonSchulzSet::nanogpt5:
    return 1.14503;
  case lipopt::NewtonSchulzSet::keller5:
  case lipopt::NewtonSchulzSet::custom:
    return 1.21;
  }
  return 1.21;
}

namespace {
struct ParamSlot {
  unsigned index; // argument index in the gradient function
  ConstraintAttr constraint;
  StringAttr name;
  RankedTensorType type;
  bool muon;
  /// An embedding that takes the paper's update (normalized momentum rows)
  /// instead of AdamW's.
  bool normalizedRows;
  bool powerVector;
  SmallVector<Type> stateTypes;
  SmallVector<StringRef> stateNames;
};

/// A projection that keeps its guarantee only while the weight before it,
/// in units of w_max, is at most `maxBefore`; after it the weight is at most
/// `after` (Rationale.md of both dialects).
struct CapCondition {
  const char *method;
  double after, maxBefore;
};

std::optional<CapCondition> capCondition(ConstraintMethod m) {
  if (m == ConstraintMethod::soft_cap)
    return CapCondition{"soft cap", 1.0, lipnum::kSoftCapMaxK};
  if (m == ConstraintMethod::hard_cap)
    return CapCondition{"hard cap", kHardCapOvershoot, kHardCapMaxInput};
  return std::nullopt;
}

bool needsPowerVector(ConstraintMethod m) {
  return m == ConstraintMethod::spectral_normalize || m == ConstraintMethod::spectral_hammer ||
         m == ConstraintMethod::spectral_weight_decay;
}

class UpdateBuilder {
public:
  UpdateBuilder(OpBuilder &b, Location loc, const TrainStepOptions &o) : b(b), loc(loc), o(o) {}

  /// Emits the update and projection of one parameter; appends its new
  /// value and state to `results`.
  void update(const ParamSlot &p, Value w, Value grad, ValueRange state, Value step,
              SmallVectorImpl<Value> &results, SmallVectorImpl<Value> &newState) {
    Value lr = learningRate(p.muon ? o.lr : embedLr, p.name.getValue());
    Value next;
    unsigned used = 0;
    if (p.muon) {
      Value ortho = b.create<lipopt::NewtonSchulzOp>(
          loc, p.type, momentum(p, state[0], grad, step, newState),
          lipopt::NewtonSchulzSetAttr::get(b.getContext(), o.newtonSchulz), DenseF64ArrayAttr(),
          b.getF64FloatAttr(1e-12));
      double scale = std::sqrt(static_cast<double>(p.type.getDimSize(0)) / p.type.getDimSize(1));
      next = b.create<lipopt::ApplyUpdateOp>(loc, p.type, w, ortho, lr, b.getF64FloatAttr(scale),
                                             b.getF64FloatAttr(o.weightDecay));
      used = 1;
    } else if (p.normalizedRows) {
      Value rows = b.create<lipopt::NormalizeRowsOp>(loc, p.type,
                                                     momentum(p, state[0], grad, step, newState),
                                                     b.getF64FloatAttr(o.embedInflation));
      next = b.create<lipopt::ApplyUpdateOp>(loc, p.type, w, rows, lr, b.getF64FloatAttr(1.0),
                                             b.getF64FloatAttr(o.weightDecay));
      used = 1;
    } else {
      auto adam = b.create<lipopt::AdamOp>(loc, p.type, p.type, p.type, state[0], state[1], grad,
                                           step, b.getF64FloatAttr(o.beta1),
                                           b.getF64FloatAttr(o.beta2), b.getF64FloatAttr(o.eps));
      newState.push_back(adam.getNewM());
      newState.push_back(adam.getNewV());
      next = b.create<lipopt::ApplyUpdateOp>(loc, p.type, w, adam.getDirection(), lr,
                                             b.getF64FloatAttr(1.0), b.getF64FloatAttr(o.weightDecay));
      used = 2;
    }
    results.push_back(project(p, next, lr, p.powerVector ? state[used] : Value(), newState));
  }

  /// Builds the schedule of one base rate (`paramLr` overrides by name),
  /// once per distinct base.
  std::function<Value(double)> schedule;
  double embedLr = 0;

private:
  /// The momentum buffer's update (Muon's, shared by the normalized
  /// embedding update); appends the new buffer to `newState`.
  Value momentum(const ParamSlot &p, Value buffer, Value grad, Value step,
                 SmallVectorImpl<Value> &newState) {
    bool warmup = o.momentumWarmup > 0;
    auto mom = b.create<lipopt::MomentumOp>(
        loc, p.type, p.type, buffer, grad, warmup ? step : Value(), b.getF64FloatAttr(o.momentum),
        o.nesterov ? b.getUnitAttr() : UnitAttr(),
        b.getF64FloatAttr(warmup ? o.momentumStart : 0.0), b.getI64IntegerAttr(o.momentumWarmup));
    newState.push_back(mom.getNewBuffer());
    return mom.getUpdate();
  }

  Value learningRate(double base, StringRef name) {
    if (auto it = o.paramLr.find(name.str()); it != o.paramLr.end())
      base = it->second;
    auto [it, inserted] = rates.try_emplace(base, Value());
    if (inserted)
      it->second = schedule(base);
    return it->second;
  }

  std::map<double, Value> rates;
  Value project(const ParamSlot &p, Value w, Value lr, Value vector,
                SmallVectorImpl<Value> &newState) {
    double wMax = p.constraint.getWMaxValue();
    auto wMaxAttr = b.getF64FloatAttr(wMax);
    switch (p.constraint.getMethod()) {
    case ConstraintMethod::soft_cap: {
      Value alpha = b.create<lipopt::SoftCapCouplingOp>(
          loc, lr.getType(), lr, wMaxAttr, b.getF64FloatAttr(newtonSchulzMaxSigma(o.newtonSchulz)),
          b.getF64FloatAttr(o.weightDecay));
      return b.create<lipopt::SoftCapOp>(loc, p.type, w, alpha, wMaxAttr);
    }
    case ConstraintMethod::hard_cap:
      return b.create<lipopt::HardCapOp>(loc, p.type, w, wMaxAttr);
    case ConstraintMethod::exact_cap:
      return b.create<lipopt::ExactCapOp>(loc, p.type, w, wMaxAttr);
    case ConstraintMethod::orthogonal:
      return b.create<lipopt::OrthogonalizeOp>(loc, p.type, w, wMaxAttr);
    case ConstraintMethod::embed_cap:
      return b.create<lipopt::EmbedCapOp>(loc, p.type, w, wMaxAttr);
    case ConstraintMethod::spectral_normalize: {
      auto op = b.create<lipopt::SpectralNormalizeOp>(loc, p.type, vector.getType(), w, vector,
                                                      wMaxAttr, b.getI64IntegerAttr(o.powerSteps),
                                                      b.getI64IntegerAttr(o.gramSteps));
      newState.push_back(op.getNewVector());
      return op.getResult();
    }
    case ConstraintMethod::spectral_hammer: {
      auto op = b.create<lipopt::SpectralHammerOp>(loc, p.type, vector.getType(), w, vector,
                                                   wMaxAttr, b.getI64IntegerAttr(o.powerSteps));
      newState.push_back(op.getNewVector());
      return op.getResult();
    }
    case ConstraintMethod::spectral_weight_decay: {
      auto op = b.create<lipopt::SpectralWeightDecayOp>(
          loc, p.type, vector.getType(), w, vector, b.getF64FloatAttr(o.spectralDecay),
          b.getI64IntegerAttr(o.powerSteps));
      newState.push_back(op.getNewVector());
      return op.getResult();
    }
    case ConstraintMethod::weight_decay:
    case ConstraintMethod::none:
      return w;
    }
    return w;
  }

  OpBuilder &b;
  Location loc;
  const TrainStepOptions &o;
};
/// The gradient function's parameters (its leading arguments with a
/// constraint), each with its optimizer and state.
SmallVector<ParamSlot> collectParams(func::FuncOp g, const TrainStepOptions &o) {
  SmallVector<ParamSlot> params;
  for (unsigned i = 0; i < g.getNumArguments(); ++i) {
    auto constraint = g.getArgAttrOfType<ConstraintAttr>(i, kConstraintAttrName);
    if (!constraint)
      break;
    ParamSlot p{i, constraint, g.getArgAttrOfType<StringAttr>(i, kParamNameAttrName),
                cast<RankedTensorType>(g.getArgument(i).getType()), false, false, false, {}, {}};
    p.muon = o.optimizer == "muon" && constraint.getNorm() == NormKind::rms_to_rms;
    p.normalizedRows = o.optimizer == "muon" && constraint.getNorm() == NormKind::l1_to_rms &&
                       o.embedInflation > 0;
    p.powerVector = needsPowerVector(constraint.getMethod());
    if (p.muon || p.normalizedRows) {
      p.stateTypes = {p.type};
      p.stateNames = {"momentum"};
    } else {
      p.stateTypes = {p.type, p.type};
      p.stateNames = {"adam_m", "adam_v"};
    }
    if (p.powerVector) {
      p.stateTypes.push_back(RankedTensorType::get({p.type.getDimSize(1)}, p.type.getElementType()));
      p.stateNames.push_back("power_vector");
    }
    params.push_back(p);
  }
  return params;
}

/// Compile-time checks of the guarantees the bound analysis relies on
/// (warnings at `func`'s location where a cap's condition fails), and the
/// largest run-time lr scale that keeps them (infinity: no cap limits it).
double maxLrScale(func::FuncOp func, ArrayRef<ParamSlot> params, const TrainStepOptions &o) {
  double scale = INFINITY;
  for (const ParamSlot &p : params) {
    std::optional<CapCondition> cap = capCondition(p.constraint.getMethod());
    if (!cap)
      continue;
    if (!p.muon) {
      mlir::emitWarning(func.getLoc())
          << "parameter '" << p.name.getValue() << "': the " << cap->method
          << " certifies its norm only with Muon updates, whose spectral norm is "
             "bounded; with AdamW the bound is not guaranteed";
      continue;
    }
    // Every schedule's multiplier (warm-up included) is at most 1, so the
    // condition after + lr * sigma_NS / w_max <= maxBefore bounds the base rate.
    auto own = o.paramLr.find(p.name.getValue().str());
    double lr = own == o.paramLr.end() ? o.lr : own->second;
    double sigmaNS = newtonSchulzMaxSigma(o.newtonSchulz), wMax = p.constraint.getWMaxValue();
    double limit = (cap->maxBefore - cap->after) * wMax / sigmaNS;
    scale = std::min(scale, limit / lr);
    if (lr > limit)
      mlir::emitWarning(func.getLoc())
          << "parameter '" << p.name.getValue() << "': lr " << formatBound(lr)
          << " moves sigma up to " << formatBound(cap->after + lr * sigmaNS / wMax)
          << " w_max, beyond the " << cap->method << "'s guarantee (<= "
          << formatBound(cap->maxBefore) << " w_max); keep lr <= " << formatBound(limit);
  }
  return scale;
}

/// Where @train_step's arguments are: params, state (per parameter, in
/// order), step, lr_scale, horizon, inputs.
struct StepArguments {
  unsigned step, lrScale, horizon, firstInput;
};

/// Declares @train_step after `g` with its signature and argument
/// attributes: a parameter's as the gradient function has them (name,
/// constraint, zero init), each state's parameter and role, the scalars'
/// manifest roles (lipc_abi.h), the inputs'.
std::pair<func::FuncOp, StepArguments> declareTrainStep(OpBuilder &b, func::FuncOp g,
                                                        ArrayRef<ParamSlot> params, Location loc) {
  auto scalarType = RankedTensorType::get({}, Float64Type::get(g->getContext()));
  SmallVector<Type> argTypes, resultTypes = {g.getFunctionType().getResult(0), scalarType};
  for (const ParamSlot &p : params)
    argTypes.push_back(p.type);
  for (const ParamSlot &p : params)
    argTypes.append(p.stateTypes.begin(), p.stateTypes.end());
  argTypes.append(3, scalarType); // step, lr_scale, horizon
  for (unsigned i = params.size(); i < g.getNumArguments(); ++i)
    argTypes.push_back(g.getArgument(i).getType());
  for (const ParamSlot &p : params)
    resultTypes.push_back(p.type);
  for (const ParamSlot &p : params)
    resultTypes.append(p.stateTypes.begin(), p.stateTypes.end());

  b.setInsertionPointAfter(g);
  auto step = b.create<func::FuncOp>(loc, "train_step", b.getFunctionType(argTypes, resultTypes));
  unsigned arg = 0;
  for (const ParamSlot &p : params)
    step.setArgAttrs(arg++, g.getArgAttrDict(p.index));
  for (const ParamSlot &p : params) {
    for (StringRef what : p.stateNames) {
      step.setArgAttr(arg, kParamNameAttrName, p.name);
      step.setArgAttr(arg++, kStateAttrName, b.getStringAttr(what));
    }
  }
  StepArguments where{arg, arg + 1, arg + 2, arg + 3};
  for (lipc::abi::Role role : {lipc::abi::Role::Step, lipc::abi::Role::LrScale, lipc::abi::Role::Horizon})
    step.setArgAttr(arg++, kStateAttrName, b.getStringAttr(StringRef(lipc::abi::roleName(role))));
  for (unsigned i = params.size(); i < g.getNumArguments(); ++i)
    step.setArgAttrs(arg++, g.getArgAttrDict(i));
  return {step, where};
}
} // namespace

FailureOr<func::FuncOp> mlir::lip::buildTrainStep(func::FuncOp func, const TrainStepOptions &o) {
  func->getContext()->getOrLoadDialect<lipopt::LipOptDialect>();
  if (o.optimizer != "muon" && o.optimizer != "adamw")
    return func.emitError("unknown optimizer '") << o.optimizer << "' (muon or adamw)";
  FailureOr<func::FuncOp> grad = buildGradientFunction(func);
  if (failed(grad))
    return failure();
  func::FuncOp g = *grad;
  SmallVector<ParamSlot> params = collectParams(g, o);
  double lrScaleLimit = maxLrScale(func, params, o);

  OpBuilder b(func->getContext());
  Location loc = func.getLoc();
  auto [step, where] = declareTrainStep(b, g, params, loc);
  if (std::isfinite(lrScaleLimit))
    step->setAttr(kMaxLrScaleAttrName, b.getF64FloatAttr(lrScaleLimit));
  Block *body = step.addEntryBlock();
  b.setInsertionPointToEnd(body);
  Value stepArg = body->getArgument(where.step);

  SmallVector<Value> callArgs(body->getArguments().take_front(params.size()));
  llvm::append_range(callArgs, body->getArguments().drop_front(where.firstInput));
  auto call = b.create<func::CallOp>(loc, g, callArgs);
  // A data-parallel run splits the step here: each rank's loss and
  // gradients of its shard become the whole batch's (in one process they
  // stay as they are), and every rank applies the same update.
  auto reduced = b.create<lipopt::AllReduceOp>(loc, call.getResults());

  UpdateBuilder update(b, loc, o);
  // One schedule op per distinct base rate, shared by the parameters using it.
  std::map<double, Value> schedules;
  auto scalarType = RankedTensorType::get({}, Float64Type::get(func.getContext()));
  auto schedule = [&](double base) -> Value {
    Value &lr = schedules[base];
    if (!lr)
      lr = b.create<lipopt::LearningRateOp>(loc, scalarType, stepArg, o.schedule, base, o.steps,
                                            o.warmup, o.cooldownFraction, o.cooldownFloor,
                                            body->getArgument(where.lrScale),
                                            body->getArgument(where.horizon));
    return lr;
  };
  update.schedule = schedule;
  update.embedLr = o.embedLr > 0 ? o.embedLr : o.lr;

  // The base learning rate of this step, returned for the training log.
  SmallVector<Value> results = {reduced.getResult(0), schedule(o.lr)}, newState;
  unsigned stateArg = params.size();
  for (auto [i, p] : llvm::enumerate(params)) {
    ValueRange state = body->getArguments().slice(stateArg, p.stateTypes.size());
    stateArg += p.stateTypes.size();
    update.update(p, body->getArgument(i), reduced.getResult(i + 1), state, stepArg, results,
                  newState);
  }
  results.append(newState.begin(), newState.end());
  b.create<func::ReturnOp>(loc, results);
  // @train_step is the entry point; the model (the certified forward pass,
  // with its parameter declarations) and its gradient are internal.
  func.setPrivate();
  g.setPrivate();
  return step;
}
