//===- StepManifest.cpp - What the compiled training step takes and returns //

#include "lipc/Driver/StepManifest.h"

#include "lip/Dialect/Lip/LipConstraints.h"
#include "lip/Dialect/Lip/LipDialect.h"
#include "lipc/Analysis/LipschitzAnalysis.h"
#include "lipc/Autodiff/Gradient.h"
#include "lipc/Driver/TrainPipeline.h"
#include "lipc/Training/TrainStep.h"

#include "mlir/IR/BuiltinOps.h"

#include "lipc_abi.h"

using namespace mlir;
using lipc::abi::Role;

namespace {
/// The manifest's spelling of `role` (lipc_abi.h).
StringRef spelled(Role role) { return StringRef(lipc::abi::roleName(role)); }

/// A packed entry point's name: lipc_abi.h's prefix and the function's.
std::string entryName(StringRef function) {
  return (StringRef(lipc::abi::kEntryPrefix) + function).str();
}

std::string typeName(Type type) {
  std::string name;
  llvm::raw_string_ostream os(name);
  type.print(os);
  return name;
}

/// Element type and shape; a dynamic extent (the batch) is -1.
void describeTensor(llvm::json::Object &entry, RankedTensorType type) {
  llvm::json::Array shape;
  for (int64_t extent : type.getShape())
    shape.push_back(ShapedType::isDynamic(extent) ? int64_t(-1) : extent);
  entry["dtype"] = typeName(type.getElementType());
  entry["shape"] = std::move(shape);
}

/// Role and name of argument `i`: a parameter, its optimizer state, the step
/// counter, a model input or (the training step's last argument) the labels.
llvm::json::Object describeArgument(func::FuncOp step, unsigned i, bool lastIsLabels) {
  llvm::json::Object entry;
  auto name = step.getArgAttrOfType<StringAttr>(i, lip::kParamNameAttrName);
  auto state = step.getArgAttrOfType<StringAttr>(i, lip::kStateAttrName);
  // The scalars the runtime sets for each step carry their role as state.
  std::optional<Role> scalar =
      state ? lipc::abi::roleFromName(std::string_view(state.getValue())) : std::nullopt;
  if (scalar && llvm::is_contained({Role::Step, Role::LrScale, Role::Horizon}, *scalar)) {
    entry["role"] = spelled(*scalar);
  } else if (state) {
    entry["role"] = spelled(Role::State);
    entry["state"] = state.getValue();
  } else if (name) {
    entry["role"] = spelled(Role::Param);
  } else {
    entry["role"] = spelled(lastIsLabels && i + 1 == step.getNumArguments() ? Role::Labels
                                                                             : Role::Input);
  }
  if (name)
    entry["name"] = name.getValue();
  if (auto c = step.getArgAttrOfType<lip::ConstraintAttr>(i, lip::kConstraintAttrName)) {
    llvm::json::Object constraint{{"method", lip::stringifyConstraintMethod(c.getMethod())},
                                  {"w_max", c.getWMax().convertToDouble()},
                                  {"norm", lip::stringifyNormKind(c.getNorm())}};
    // The norm the certified bound assumes for this weight; absent when the
    // method guarantees none (the runtime then certifies nothing with it).
    lip::ConstraintGuarantee guarantee = lip::getConstraintGuarantee(c);
    if (guarantee.notCertified.empty())
      constraint["guaranteed_norm"] = guarantee.normBound;
    entry["constraint"] = std::move(constraint);
  }
  if (step.getArgAttr(i, lip::kZeroInitAttrName))
    entry["init"] = "zero";
  if (auto rms = step.getArgAttrOfType<FloatAttr>(i, lip::kRmsBoundAttrName))
    entry["rms_bound"] = rms.getValueAsDouble();
  return entry;
}

/// @forward: parameters and inputs in, logits out.
FailureOr<llvm::json::Object> describeForward(ModuleOp module) {
  auto forward = module.lookupSymbol<func::FuncOp>(lipc::kForwardFunctionName);
  if (!forward)
    return module.emitError("the module has no @") << lipc::kForwardFunctionName << " to describe";
  FunctionType type = forward.getFunctionType();
  auto logits = type.getNumResults() == 1 ? dyn_cast<RankedTensorType>(type.getResult(0)) : nullptr;
  if (!logits)
    return forward.emitError("@forward must return one logits tensor");
  llvm::json::Array arguments;
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    auto tensor = dyn_cast<RankedTensorType>(type.getInput(i));
    if (!tensor)
      return forward.emitError("@forward argument ") << i << " is not a ranked tensor";
    llvm::json::Object entry = describeArgument(forward, i, /*lastIsLabels=*/false);
    describeTensor(entry, tensor);
    arguments.push_back(std::move(entry));
  }
  llvm::json::Object result{{"role", spelled(Role::Logits)}};
  describeTensor(result, logits);
  return llvm::json::Object{{"entry", entryName(lipc::kForwardFunctionName)},
                            {"arguments", std::move(arguments)},
                            {"results", llvm::json::Array{std::move(result)}}};
}
} // namespace

FailureOr<llvm::json::Object> lipc::describeTrainStep(ModuleOp module) {
  auto step = module.lookupSymbol<func::FuncOp>("train_step");
  if (!step)
    return module.emitError("the module has no @train_step to describe");
  FunctionType type = step.getFunctionType();
  // Results: the loss, the learning rate, then the new value of every
  // parameter and state argument, in argument order.
  constexpr unsigned kLeading = 2;
  llvm::json::Array arguments, results;
  llvm::json::Object loss{{"role", spelled(Role::Loss)}}, lr{{"role", spelled(Role::Lr)}};
  SmallVector<llvm::json::Object> updated;
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    auto tensor = dyn_cast<RankedTensorType>(type.getInput(i));
    if (!tensor)
      return step.emitError("@train_step argument ") << i << " is not a ranked tensor";
    llvm::json::Object entry = describeArgument(step, i, /*lastIsLabels=*/true);
    describeTensor(entry, tensor);
    StringRef role = *entry.getString("role");
    if (role == spelled(Role::Param) || role == spelled(Role::State)) {
      if (updated.size() + kLeading >= type.getNumResults() ||
          type.getResult(updated.size() + kLeading) != tensor)
        return step.emitError("@train_step result ")
               << updated.size() + kLeading << " does not mirror argument " << i;
      updated.push_back(entry);
    }
    arguments.push_back(std::move(entry));
  }
  auto scalar = [&](unsigned k) {
    auto t = k < type.getNumResults() ? dyn_cast<RankedTensorType>(type.getResult(k)) : nullptr;
    return t && t.getRank() == 0 ? t : nullptr;
  };
  if (!scalar(0) || !scalar(1) || updated.size() + kLeading != type.getNumResults())
    return step.emitError("@train_step must return the loss, the learning rate and every updated "
                          "parameter and state");
  describeTensor(loss, scalar(0));
  describeTensor(lr, scalar(1));
  results.push_back(std::move(loss));
  results.push_back(std::move(lr));
  for (llvm::json::Object &entry : updated)
    results.push_back(std::move(entry));
  FailureOr<llvm::json::Object> forward = describeForward(module);
  if (failed(forward))
    return failure();
  llvm::json::Object manifest{{"format", StringRef(lipc::abi::kManifestFormat)},
                              {"version", lipc::abi::kManifestVersion},
                              {"entry", entryName("train_step")},
                              {"arguments", std::move(arguments)},
                              {"results", std::move(results)},
                              {"forward", std::move(*forward)}};
  if (auto maxScale = step->getAttrOfType<FloatAttr>(lip::kMaxLrScaleAttrName))
    manifest["max_lr_scale"] = maxScale.getValueAsDouble();
  return manifest;
}

llvm::json::Object lipc::describeTrainDefaults(const spec::TrainConfig &train) {
  llvm::json::Object data{{"kind", train.data.kind}};
  for (const auto &[key, value] : train.data.strings)
    data[key] = value;
  for (const auto &[key, value] : train.data.numbers)
    data[key] = value;
  for (const auto &[key, value] : train.data.flags)
    data[key] = value;
  mlir::lip::TrainStepOptions options = trainOptionsFromSpec(train);
  return llvm::json::Object{{"steps", train.steps},      {"batch", train.batch},
                            {"seed", train.seed},        {"eval_every", train.evalEvery},
                            {"data", std::move(data)},   {"schedule", train.schedule.kind},
                            {"warmup", options.warmup},  {"lr", options.lr},
                            {"precision", train.precision}};
}
