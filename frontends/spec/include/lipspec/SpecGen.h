//===- SpecGen.h - From a spec's AST to the lip dialect ---------*- C++ -*-===//
//
// Evaluates a parsed spec (sizes, defs, repeats, keyword arguments) and emits
// one func.func of lip ops, in the style of the Toy tutorial's MLIRGen. Every
// op gets a NameLoc: the spec's dotted name (block0.attn.q) around the
// file:line:col of the text that made it. Errors are MLIR diagnostics at spec
// locations; evaluation goes on after an error to report the next one.
//
//===----------------------------------------------------------------------===//

#ifndef LIPSPEC_SPECGEN_H
#define LIPSPEC_SPECGEN_H

#include "lipspec/AST.h"
#include "lipspec/SpecConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>

namespace lipc::spec {

struct CompiledSpec {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp model;
  std::vector<ParamGroup> groups;
  /// Parameter name -> the group its constraint came from ("" when the layer
  /// set method and w_max itself).
  std::map<std::string, std::string> paramGroup;
  std::optional<BudgetConfig> budget;
  std::optional<TrainConfig> train;
  /// Whether the model reads token ids (the bound is then from one-hot tokens).
  bool tokenInput = false;
};

/// Converts an SMLoc of `sourceMgr`'s main buffer to an MLIR location.
mlir::Location toLocation(mlir::MLIRContext *ctx, const llvm::SourceMgr &sourceMgr,
                          llvm::SMLoc loc);

/// Values that replace those of the spec's top-level `let`s, by name
/// (`lipc -D NAME=VALUE`): one spec, many variants (a sweep's learning
/// rates, depths, w_max).
using Defines = std::map<std::string, double>;

/// Builds the model; fails (after reporting every error found) on a bad
/// spec, or when `defines` names a value no top-level `let` defines.
mlir::FailureOr<CompiledSpec> generateLip(const Spec &spec, const llvm::SourceMgr &sourceMgr,
                                          mlir::MLIRContext &context,
                                          const Defines &defines = {});

} // namespace lipc::spec

#endif // LIPSPEC_SPECGEN_H
