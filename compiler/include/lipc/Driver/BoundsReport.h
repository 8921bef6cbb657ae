//===- BoundsReport.h - The per-op bound report of `lipc bounds` -*- C++ -*-===//
//
// Collects the analysis of a compiled spec into rows (one per op, named as in
// the spec) and prints them as a table or as JSON.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_BOUNDSREPORT_H
#define LIPC_DRIVER_BOUNDSREPORT_H

#include "lipspec/SpecGen.h"

#include "llvm/Support/raw_ostream.h"

namespace lipc {

struct ReportRow {
  std::string name, kind, note, location;
  double factor, bound, rms;
};

struct ParamRow {
  std::string name, group, method;
  std::vector<int64_t> shape;
  double wMax, normBound;
};

struct BudgetOutcome {
  double max = 0;
  bool met = false;
  /// Set when the solver changed w_max: the common scale it chose.
  std::optional<double> scale;
  std::vector<std::pair<std::string, std::pair<double, double>>> changedGroups; // old -> new
  bool shared = false; // the budget gave groups shares other than 1
};

struct BoundsReport {
  std::string model;
  std::vector<ReportRow> ops;
  std::vector<ParamRow> params;
  bool certified = false;
  double bound = 0; // nominal when not certified
  std::string notCertified;
  std::string norm;
  std::optional<BudgetOutcome> budget;
};

/// Runs the bound analysis on the compiled spec's model.
mlir::FailureOr<BoundsReport> buildBoundsReport(const spec::CompiledSpec &spec);

void printBoundsTable(const BoundsReport &report, llvm::raw_ostream &os);
void printBoundsJson(const BoundsReport &report, llvm::raw_ostream &os);

} // namespace lipc

#endif // LIPC_DRIVER_BOUNDSREPORT_H
