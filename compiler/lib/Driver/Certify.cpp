//===- Certify.cpp - Bounds from trained weights (`lipc certify`) ---------===//

#include "lipc/Driver/Certify.h"

#include "lipc/Analysis/LipschitzAnalysis.h"

#include "lip/Dialect/Lip/LipConstraints.h"
#include "lip/Dialect/Lip/LipDialect.h"
#include "lipnum/NormBounds.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace lipc;

namespace {
lipnum::WeightNorm weightNorm(lip::NormKind norm) {
  return norm == lip::NormKind::l1_to_rms ? lipnum::WeightNorm::L1ToRms
                                          : lipnum::WeightNorm::RmsToRms;
}
} // namespace

bool Certificate::compileTimeHolds() const {
  for (const MeasuredParam &p : params)
    if (!p.withinConstraint())
      return false;
  return compileTime.certified;
}

FailureOr<Certificate> lipc::certifyCheckpoint(spec::CompiledSpec &compiled,
                                               const liprt::Checkpoint &checkpoint,
                                               StringRef specHash) {
  func::FuncOp model = compiled.model;
  auto hash = checkpoint.metadata.find("spec_hash");
  if (hash == checkpoint.metadata.end() || hash->second != specHash)
    return model.emitError("the checkpoint belongs to another model (spec hash ")
           << (hash == checkpoint.metadata.end() ? "missing" : hash->second) << ", this spec's is "
           << specHash << ")";
  Certificate certificate;
  liprt::Result<int64_t> step = liprt::checkpointStep(checkpoint);
  if (!step)
    return model.emitError(step.status().message());
  certificate.step = *step;
  FailureOr<BoundsReport> compileTime = buildBoundsReport(compiled);
  if (failed(compileTime))
    return failure();
  certificate.compileTime = std::move(*compileTime);

  // A measured norm bound is what an exact cap at that value guarantees: the
  // analysis then bounds the model with the weights as they are.
  SmallVector<lip::ParamOp> params;
  model.walk([&](lip::ParamOp p) { params.push_back(p); });
  for (lip::ParamOp p : params) {
    auto it = checkpoint.tensors.find(p.getName().str());
    if (it == checkpoint.tensors.end())
      return p.emitError("the checkpoint has no tensor '") << p.getName() << "'";
    ArrayRef<int64_t> shape = p.getType().getShape();
    if (it->second.shape != std::vector<int64_t>(shape.begin(), shape.end()) || shape.size() != 2)
      return p.emitError("tensor '") << p.getName() << "' has another shape in the checkpoint";
    lipnum::Tensor w(it->second.shape);
    w.data = it->second.values;
    lip::ConstraintAttr c = p.getConstraint();
    MeasuredParam m;
    m.name = p.getName().str();
    m.method = lip::stringifyConstraintMethod(c.getMethod()).str();
    m.norm = lip::stringifyNormKind(c.getNorm()).str();
    m.wMax = c.getWMaxValue();
    lip::ConstraintGuarantee guarantee = lip::getConstraintGuarantee(c);
    m.certified = guarantee.notCertified.empty();
    m.guaranteed = guarantee.normBound;
    m.measured = lipnum::normUpperBound(w, weightNorm(c.getNorm()));
    m.slack = lipnum::normBoundSlack(w, weightNorm(c.getNorm()));
    certificate.params.push_back(m);
    p.setConstraintAttr(lip::ConstraintAttr::get(p.getContext(), lip::ConstraintMethod::exact_cap,
                                                 m.measured, c.getNorm()));
  }
  FailureOr<BoundsReport> trained = buildBoundsReport(compiled);
  if (failed(trained))
    return failure();
  certificate.trained = std::move(*trained);
  return certificate;
}

FailureOr<EvalCertificate> lipc::buildEvalCertificate(spec::CompiledSpec &compiled,
                                                      double weightTolerance) {
  func::FuncOp model = compiled.model;
  SmallVector<std::pair<lip::ParamOp, lip::ConstraintAttr>> saved;
  model.walk([&](lip::ParamOp p) { saved.emplace_back(p, p.getConstraint()); });
  auto restore = llvm::make_scope_exit([&] {
    for (auto [p, c] : saved)
      p.setConstraintAttr(c);
  });
  for (auto [p, c] : saved) {
    lip::ConstraintGuarantee guarantee = lip::getConstraintGuarantee(c);
    if (guarantee.notCertified.empty())
      p.setConstraintAttr(lip::ConstraintAttr::get(p.getContext(), lip::ConstraintMethod::exact_cap,
                                                   guarantee.normBound * (1 + weightTolerance),
                                                   c.getNorm()));
  }
  FailureOr<BoundsReport> tolerant = buildBoundsReport(compiled);
  if (failed(tolerant))
    return failure();
  EvalCertificate certificate{weightTolerance, tolerant->certified, tolerant->bound, false};
  // Whether the bound moves with the input's RMS bound: doubled, does it?
  auto rms = model.getArgAttrOfType<FloatAttr>(0, lip::kRmsBoundAttrName);
  if (!rms || !certificate.certified)
    return certificate;
  auto restoreRms = llvm::make_scope_exit([&] { model.setArgAttr(0, lip::kRmsBoundAttrName, rms); });
  model.setArgAttr(0, lip::kRmsBoundAttrName,
                   FloatAttr::get(rms.getType(), 2 * rms.getValueAsDouble()));
  FailureOr<BoundsReport> wider = buildBoundsReport(compiled);
  if (failed(wider))
    return failure();
  certificate.dependsOnInputRms = !wider->certified || wider->bound != tolerant->bound;
  return certificate;
}

void lipc::printEvalCertificateJson(const EvalCertificate &c, raw_ostream &os) {
  llvm::json::Object root{{"weight_tolerance", c.weightTolerance},
                          {"bound", c.certified ? llvm::json::Value(c.bound) : llvm::json::Value(nullptr)},
                          {"depends_on_input_rms", c.dependsOnInputRms}};
  os << llvm::formatv("{0}", llvm::json::Value(std::move(root)));
}

LogicalResult lipc::addEmpiricalBound(Certificate &certificate, spec::CompiledSpec &compiled,
                                      const liprt::Checkpoint &checkpoint,
                                      const std::string &dataPath,
                                      const EmpiricalSearch &options) {
  func::FuncOp model = compiled.model;
  auto inputType = cast<RankedTensorType>(model.getArgumentTypes()[0]);
  auto logitsType = cast<RankedTensorType>(model.getResultTypes()[0]);
  liprt::StepTensor input;
  input.role = liprt::Role::Input;
  input.dtype = isa<IntegerType>(inputType.getElementType()) ? "i32" : "f32";
  for (int64_t extent : inputType.getShape())
    input.shape.push_back(ShapedType::isDynamic(extent) ? -1 : extent);
  if (auto rms = model.getArgAttrOfType<FloatAttr>(0, lip::kRmsBoundAttrName))
    input.rmsBound = rms.getValueAsDouble();
  liprt::TrainDefaults data;
  if (compiled.train) {
    const spec::Setting &setting = compiled.train->data;
    data.dataKind = setting.kind;
    if (auto path = setting.strings.find("path"); path != setting.strings.end())
      data.dataPath = path->second;
    if (auto split = setting.numbers.find("split"); split != setting.numbers.end())
      data.split = split->second;
    if (auto label = setting.numbers.find("label_column"); label != setting.numbers.end())
      data.labelColumn = static_cast<int>(label->second);
    if (auto scale = setting.numbers.find("scale"); scale != setting.numbers.end())
      data.featureScale = scale->second;
    if (auto clip = setting.flags.find("clip"); clip != setting.flags.end())
      data.clipToRmsBound = clip->second;
  }
  liprt::Result<liprt::Examples> examples =
      liprt::loadExamples(input, logitsType.getShape().back(), data, dataPath);
  if (!examples)
    return model.emitError("the empirical bound needs data: ")
           << examples.status().message() << " (give --data PATH, or --samples 0)";
  lip::ParamMap weights;
  for (const MeasuredParam &p : certificate.params) {
    const liprt::StoredTensor &stored = checkpoint.tensors.at(p.name);
    lipnum::Tensor w(stored.shape);
    w.data = stored.values;
    weights.emplace(p.name, std::move(w));
  }
  FailureOr<double> ratio = empiricalLowerBound(model, weights, *examples, options);
  if (failed(ratio))
    return failure();
  certificate.empirical = *ratio;
  certificate.empiricalExamples =
      std::min(options.examples,
               examples->heldOutCount() ? examples->heldOutCount() : examples->trainCount());
  if (certificate.trained.certified && *ratio > certificate.trained.bound)
    return model.emitError("the measured ratio ")
           << *ratio << " exceeds the certified bound " << certificate.trained.bound
           << " of these weights: the bound analysis is unsound for this model";
  return success();
}

namespace {
std::string boundText(const BoundsReport &r) {
  return r.certified ? llvm::formatv("{0}", llvm::format("%.6g", r.bound)).str()
                     : "not certified (" + r.notCertified + ")";
}
} // namespace

void lipc::printCertificate(const Certificate &c, raw_ostream &os) {
  os << "certificate of '" << c.trained.model << "' from its trained weights (step " << c.step
     << ")\n\n";
  os << llvm::formatv("{0,-24} {1,-18} {2,-11} {3,10} {4,14}\n", "parameter", "method", "norm",
                      "w_max", "trained norm");
  for (const MeasuredParam &p : c.params)
    os << llvm::format("%-24s %-18s %-11s %10.6g %14.6g", p.name.c_str(), p.method.c_str(),
                       p.norm.c_str(), p.wMax, p.measured)
       << (p.withinConstraint() ? "" : "  EXCEEDS w_max") << "\n";
  os << "\ncompile-time bound (every weight at its w_max): " << boundText(c.compileTime) << "\n";
  os << "bound of the trained weights (Gram-iteration upper bounds): " << boundText(c.trained)
     << "\n";
  if (c.empirical)
    os << "empirical lower bound (largest ratio near " << c.empiricalExamples
       << " real inputs): " << llvm::format("%.6g", *c.empirical) << "\n";
  if (c.compileTimeHolds())
    os << "the compile-time certificate holds for these weights (each within its guaranteed norm "
          "to the measurement's precision; the bound of the trained weights is the rigorous one)\n";
  else
    os << "the compile-time certificate no longer holds for these weights\n";
}

void lipc::printCertificateJson(const Certificate &c, raw_ostream &os) {
  auto number = [](const BoundsReport &r) {
    return r.certified && std::isfinite(r.bound) ? llvm::json::Value(r.bound)
                                                 : llvm::json::Value(nullptr);
  };
  llvm::json::Array params;
  for (const MeasuredParam &p : c.params)
    params.push_back(llvm::json::Object{{"name", p.name},
                                        {"method", p.method},
                                        {"norm", p.norm},
                                        {"w_max", p.wMax},
                                        {"trained_norm", p.measured},
                                        {"within_constraint", p.withinConstraint()}});
  llvm::json::Object root{{"model", c.trained.model},
                          {"compile_time_bound", number(c.compileTime)},
                          {"trained_bound", number(c.trained)},
                          {"compile_time_holds", c.compileTimeHolds()},
                          {"step", c.step},
                          {"params", std::move(params)}};
  if (c.empirical) {
    root["empirical_lower_bound"] = *c.empirical;
    root["empirical_examples"] = c.empiricalExamples;
  }
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}
