//===- BoundsReport.cpp - The per-op bound report of `lipc bounds` --------===//

#include "lipc/Driver/BoundsReport.h"

#include "lip/Dialect/Lip/LipConstraints.h"
#include "lipc/Analysis/LipschitzAnalysis.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <cmath>

using namespace mlir;
using namespace lipc;

namespace {
std::string opName(Operation *op) {
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return name.getName().str();
  return op->getName().stripDialect().str();
}

std::string locationString(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    loc = name.getChildLoc();
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().str() + ":" + std::to_string(file.getLine()) + ":" +
            std::to_string(file.getColumn()));
  return "";
}

std::string num(double v) {
  if (std::isinf(v))
    return "inf";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

llvm::json::Value jsonNumber(double v) {
  return std::isfinite(v) ? llvm::json::Value(v) : llvm::json::Value(nullptr);
}
} // namespace

FailureOr<BoundsReport> lipc::buildBoundsReport(const spec::CompiledSpec &spec) {
  func::FuncOp func = spec.model;
  lip::LipschitzAnalysis analysis(func);
  if (!analysis.succeeded())
    return failure();
  BoundsReport report;
  report.model = func.getName().str();
  for (const lip::OpBoundRecord &record : analysis.getRecords()) {
    if (auto param = dyn_cast<lip::ParamOp>(record.op)) {
      lip::ConstraintAttr c = param.getConstraint();
      auto it = spec.paramGroup.find(param.getName().str());
      report.params.push_back(
          {param.getName().str(), it == spec.paramGroup.end() ? "" : it->second,
           lip::stringifyConstraintMethod(c.getMethod()).str(),
           std::vector<int64_t>(param.getType().getShape()), c.getWMaxValue(),
           lip::getConstraintGuarantee(c).normBound});
      continue;
    }
    const lip::ValueBound &b = record.rule.bound;
    report.ops.push_back({opName(record.op), record.op->getName().stripDialect().str(),
                          record.rule.note, locationString(record.op->getLoc()),
                          record.rule.factor, b.lipschitz, b.rms});
  }
  lip::ValueBound result = *analysis.getResultBound();
  report.bound = result.lipschitz;
  report.notCertified = result.notCertified;
  report.certified = result.isCertified() && std::isfinite(result.lipschitz);
  if (result.isCertified() && !std::isfinite(result.lipschitz))
    report.notCertified = "the bound is infinite";
  report.norm = spec.tokenInput
                    ? "max-token RMS of the output w.r.t. one-hot tokens (l1 per token)"
                    : "max-token RMS -> max-token RMS, output w.r.t. the input";
  return report;
}

void lipc::printBoundsTable(const BoundsReport &report, llvm::raw_ostream &os) {
  size_t nameWidth = 2, kindWidth = 4;
  for (const ReportRow &row : report.ops) {
    nameWidth = std::max(nameWidth, row.name.size());
    kindWidth = std::max(kindWidth, row.kind.size());
  }
  os << llvm::left_justify("op", nameWidth) << "  " << llvm::left_justify("kind", kindWidth)
     << "  " << llvm::right_justify("factor", 9) << "  " << llvm::right_justify("bound", 9) << "  "
     << llvm::right_justify("rms bound", 9) << "  note\n";
  for (const ReportRow &row : report.ops) {
    os << llvm::left_justify(row.name, nameWidth) << "  " << llvm::left_justify(row.kind, kindWidth)
       << "  " << llvm::right_justify(num(row.factor), 9) << "  "
       << llvm::right_justify(num(row.bound), 9) << "  " << llvm::right_justify(num(row.rms), 9);
    if (!row.note.empty())
      os << "  " << row.note;
    os << "\n";
  }
  int64_t weights = 0;
  for (const ParamRow &p : report.params)
    weights += p.shape[0] * p.shape[1];
  os << "\nparameters: " << report.params.size() << " tensors, " << weights << " weights\n";
  std::vector<std::string> seen;
  for (const ParamRow &p : report.params) {
    std::string key = p.group.empty() ? p.name : p.group;
    if (llvm::is_contained(seen, key))
      continue;
    seen.push_back(key);
    size_t members = llvm::count_if(report.params, [&](const ParamRow &q) {
      return p.group.empty() ? q.name == p.name : q.group == p.group;
    });
    os << "  " << (p.group.empty() ? "layer " + p.name : "group " + p.group) << ": " << p.method
       << ", w_max " << num(p.wMax) << ", guaranteed norm " << num(p.normBound) << " ("
       << members << " tensor" << (members == 1 ? "" : "s") << ")\n";
  }
  if (report.budget && report.budget->scale) {
    os << "budget " << num(report.budget->max) << " solved: w_max scaled by "
       << llvm::format("%.6g", *report.budget->scale)
       << (report.budget->shared ? " to the power of each group's share" : "");
    for (const auto &[group, change] : report.budget->changedGroups)
      os << "; " << group << " " << num(change.first) << " -> " << llvm::format("%.6g", change.second);
    os << "\n";
  }
  if (report.certified)
    os << "\ncertified Lipschitz bound: " << llvm::format("%.6g", report.bound) << " ("
       << report.norm << ")\n";
  else
    os << "\nnot certified: " << report.notCertified << " (nominal bound " << num(report.bound)
       << ")\n";
  if (report.budget)
    os << "budget " << num(report.budget->max) << ": " << (report.budget->met ? "met" : "NOT met")
       << "\n";
}

void lipc::printBoundsJson(const BoundsReport &report, llvm::raw_ostream &os) {
  llvm::json::Array ops, params;
  for (const ReportRow &row : report.ops)
    ops.push_back(llvm::json::Object{{"name", row.name},
                                     {"op", row.kind},
                                     {"factor", jsonNumber(row.factor)},
                                     {"bound", jsonNumber(row.bound)},
                                     {"rms_bound", jsonNumber(row.rms)},
                                     {"location", row.location},
                                     {"note", row.note}});
  for (const ParamRow &p : report.params) {
    llvm::json::Array shape;
    for (int64_t d : p.shape)
      shape.push_back(d);
    params.push_back(llvm::json::Object{{"name", p.name},
                                        {"group", p.group},
                                        {"method", p.method},
                                        {"shape", std::move(shape)},
                                        {"w_max", p.wMax},
                                        {"norm_bound", jsonNumber(p.normBound)}});
  }
  llvm::json::Object root{
      {"model", report.model},
      {"certified", report.certified},
      {"lipschitz_bound", report.certified ? llvm::json::Value(report.bound) : nullptr},
      {"nominal_bound", jsonNumber(report.bound)},
      {"norm", report.norm},
      {"not_certified_reason",
       report.certified ? llvm::json::Value(nullptr) : llvm::json::Value(report.notCertified)},
      {"ops", std::move(ops)},
      {"params", std::move(params)}};
  if (report.budget) {
    llvm::json::Object budget{{"max", report.budget->max}, {"met", report.budget->met}};
    if (report.budget->scale) {
      budget["scale"] = *report.budget->scale;
      llvm::json::Object groups;
      for (const auto &[group, change] : report.budget->changedGroups)
        groups[group] = change.second;
      budget["w_max"] = std::move(groups);
    }
    root["budget"] = std::move(budget);
  }
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}
