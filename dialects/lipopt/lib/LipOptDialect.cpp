//===- LipOptDialect.cpp - The lipopt dialect: verifiers and folders ------===//

#include "lip/Dialect/LipOpt/LipOptDialect.h"

#include "lipnum/OptMath.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::lipopt;

#include "lip/Dialect/LipOpt/LipOptDialect.cpp.inc"
#include "lip/Dialect/LipOpt/LipOptEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "lip/Dialect/LipOpt/LipOptAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "lip/Dialect/LipOpt/LipOptOps.cpp.inc"

void LipOptDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "lip/Dialect/LipOpt/LipOptOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "lip/Dialect/LipOpt/LipOptAttrs.cpp.inc"
      >();
}

Operation *LipOptDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                              Location loc) {
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense || dense.getType() != type)
    return nullptr;
  return builder.create<arith::ConstantOp>(loc, type, dense);
}

namespace {
/// The value of a constant 0-d tensor operand, if it is one.
std::optional<double> constantScalar(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

Attribute scalarAttr(Type type, double value) {
  auto tensor = cast<RankedTensorType>(type);
  return DenseElementsAttr::get(tensor,
                                FloatAttr::get(tensor.getElementType(), value));
}

LogicalResult verifyWMax(Operation *op, double wMax) {
  if (!(wMax > 0) || !std::isfinite(wMax))
    return op->emitOpError("w_max must be a positive finite number, got ") << wMax;
  return success();
}

LogicalResult verifyPowerIteration(Operation *op, Type weight, Type vector) {
  auto w = cast<RankedTensorType>(weight), v = cast<RankedTensorType>(vector);
  if (w.getDimSize(1) != v.getDimSize(0))
    return op->emitOpError("the power-iteration vector must have fan_in = ")
           << w.getDimSize(1) << " entries, got " << v.getDimSize(0);
  return success();
}
} // namespace

void LearningRateOp::build(OpBuilder &b, OperationState &state, Type type, Value step,
                           Schedule schedule, double base, int64_t steps, int64_t warmup,
                           double fraction, double floor, Value scale, Value horizon) {
  build(b, state, type, step, scale, horizon, ScheduleAttr::get(b.getContext(), schedule),
        b.getF64FloatAttr(base), b.getI64IntegerAttr(steps), b.getI64IntegerAttr(warmup),
        b.getF64FloatAttr(fraction), b.getF64FloatAttr(floor));
}

double LearningRateOp::rateAt(double step, double scale, double horizon) {
  return scale * lipnum::learningRate(static_cast<lipnum::ScheduleKind>(getSchedule()),
                                          getBase().convertToDouble(), step,
                                          static_cast<int64_t>(horizon), getWarmup(),
                                          getFraction().convertToDouble(),
                                          getFloor().convertToDouble());
}

LogicalResult LearningRateOp::verify() {
  if (getSteps() < 1)
    return emitOpError("steps must be positive, got ") << getSteps();
  if (getWarmup() < 0 || getWarmup() >= getSteps())
    return emitOpError("warmup must lie in [0, steps), got ") << getWarmup();
  double fraction = getFraction().convertToDouble();
  if (!(fraction > 0 && fraction <= 1))
    return emitOpError("fraction must lie in (0, 1], got ") << fraction;
  return success();
}

OpFoldResult LearningRateOp::fold(FoldAdaptor adaptor) {
  std::optional<double> step = constantScalar(adaptor.getStep());
  std::optional<double> scale = getScale() ? constantScalar(adaptor.getScale()) : 1.0;
  std::optional<double> horizon =
      getHorizon() ? constantScalar(adaptor.getHorizon()) : static_cast<double>(getSteps());
  if (!step || !scale || !horizon)
    return {};
  return scalarAttr(getType(), rateAt(*step, *scale, *horizon));
}

double mlir::lipopt::momentumAt(double beta, double betaStart, int64_t warmupSteps,
                                double step) {
  if (warmupSteps <= 0 || step >= warmupSteps)
    return beta;
  return betaStart + (beta - betaStart) * step / static_cast<double>(warmupSteps);
}

LogicalResult MomentumOp::verify() {
  double beta = getBeta().convertToDouble(), start = getBetaStart().convertToDouble();
  if (!(beta >= 0 && beta < 1))
    return emitOpError("beta must lie in [0, 1), got ") << beta;
  if (getWarmupSteps() > 0 && !getStep())
    return emitOpError("a momentum warm-up needs the step operand");
  if (getWarmupSteps() > 0 && !(start >= 0 && start < 1))
    return emitOpError("beta_start must lie in [0, 1), got ") << start;
  return success();
}

SmallVector<std::array<double, 3>>
mlir::lipopt::getNewtonSchulzSteps(NewtonSchulzSet set, std::optional<ArrayRef<double>> coefficients) {
  if (set != NewtonSchulzSet::custom) {
    const auto &steps = lipnum::newtonSchulzSet(static_cast<int>(set));
    return {steps.begin(), steps.end()};
  }
  SmallVector<std::array<double, 3>> steps;
  for (size_t i = 0; coefficients && i + 2 < coefficients->size(); i += 3)
    steps.push_back({(*coefficients)[i], (*coefficients)[i + 1], (*coefficients)[i + 2]});
  return steps;
}

LogicalResult NewtonSchulzOp::verify() {
  bool custom = getSet() == NewtonSchulzSet::custom;
  if (custom != getCoefficients().has_value())
    return emitOpError(custom ? "set<custom> needs coefficients = array<f64: a, b, c, ...>"
                              : "coefficients are only for set<custom>");
  if (custom && (getCoefficients()->empty() || getCoefficients()->size() % 3 != 0))
    return emitOpError("coefficients must be (a, b, c) triples, got ")
           << getCoefficients()->size() << " numbers";
  return success();
}

OpFoldResult SoftCapCouplingOp::fold(FoldAdaptor adaptor) {
  std::optional<double> lr = constantScalar(adaptor.getLr());
  if (!lr)
    return {};
  double k = 1 - getDecay().convertToDouble() * *lr +
             *lr * getUpdateNorm().convertToDouble() / getWMax().convertToDouble();
  return scalarAttr(getType(), lipnum::softCapCoupling(k));
}

LogicalResult SoftCapOp::verify() { return verifyWMax(*this, getWMax().convertToDouble()); }
LogicalResult HardCapOp::verify() { return verifyWMax(*this, getWMax().convertToDouble()); }
LogicalResult ExactCapOp::verify() { return verifyWMax(*this, getWMax().convertToDouble()); }
LogicalResult OrthogonalizeOp::verify() { return verifyWMax(*this, getWMax().convertToDouble()); }
LogicalResult NormalizeRowsOp::verify() {
  double inflation = getInflation().convertToDouble();
  if (!(inflation >= 1) || !std::isfinite(inflation))
    return emitOpError("inflation must be a finite number >= 1, got ") << inflation;
  return success();
}

LogicalResult EmbedCapOp::verify() { return verifyWMax(*this, getWMax().convertToDouble()); }

LogicalResult SpectralNormalizeOp::verify() {
  if (failed(verifyWMax(*this, getWMax().convertToDouble())))
    return failure();
  if (getGramSteps() < 1)
    return emitOpError("gram_steps must be at least 1");
  return verifyPowerIteration(*this, getWeight().getType(), getVector().getType());
}

LogicalResult SpectralHammerOp::verify() {
  if (failed(verifyWMax(*this, getWMax().convertToDouble())))
    return failure();
  return verifyPowerIteration(*this, getWeight().getType(), getVector().getType());
}

LogicalResult SpectralWeightDecayOp::verify() {
  return verifyPowerIteration(*this, getWeight().getType(), getVector().getType());
}

LogicalResult AllReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                            ValueRange operands, DictionaryAttr, OpaqueProperties,
                                            RegionRange, SmallVectorImpl<Type> &types) {
  // On buffers the op works in place and has no results.
  for (Type type : operands.getTypes())
    if (isa<TensorType>(type))
      types.push_back(type);
  return success();
}

LogicalResult AllReduceOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one tensor to reduce");
  bool buffers = onBuffers();
  for (Type type : getInputs().getTypes()) {
    auto shaped = cast<ShapedType>(type);
    if (isa<MemRefType>(type) != buffers)
      return emitOpError("reduces tensors or buffers, not both, got ") << type;
    if (!isa<FloatType>(shaped.getElementType()))
      return emitOpError("reduces floats, got ") << type;
  }
  return success();
}
