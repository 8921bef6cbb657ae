//===- ObjectEmission.h - LLVM IR to object files, in parallel -*- C++ -*-===//
//
// The last step of code generation: LLVM's -O2 pipeline for the host CPU
// or a named one (loop vectorization, no SLP vectorization: it cost a
// quarter of the compile time of a transformer's step and gained nothing
// measurable on its loop nests) and machine code. A module can be split into parts compiled
// on separate threads, each in its own LLVMContext, into one object file
// each: with the step cut into bounded functions (-lip-split-functions),
// most of the work spreads over the cores (the step's top function, which
// passes the live buffers between its segments, stays in one part).
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_PIPELINES_OBJECTEMISSION_H
#define LIPC_PIPELINES_OBJECTEMISSION_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::lip {

/// An error unless `cpu` names a processor LLVM's x86-64 target knows
/// ("x86-64-v3", "znver4", ...); "" (the host's) passes.
llvm::Error checkTargetCpu(llvm::StringRef cpu);

/// Optimizes `module` for processor `cpu` ("": the host's, with every
/// instruction it has; a level such as "x86-64-v3" for a binary that runs on
/// any processor of that level) and writes it as an object file to `path`.
llvm::Error emitObjectFile(llvm::Module &module, const std::string &path, llvm::StringRef cpu = "");

/// The same for `module` split into `paths.size()` parts (one object file
/// each, linked together they define what `module` did), compiled on as
/// many threads. `module` is left in an unspecified state.
llvm::Error emitObjectFiles(llvm::Module &module, const std::vector<std::string> &paths,
                            llvm::StringRef cpu = "");

} // namespace mlir::lip

#endif // LIPC_PIPELINES_OBJECTEMISSION_H
