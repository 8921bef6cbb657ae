//===- CommandLinePassOptions.h - MLIR's pass flags, where registered -*- C++ -*-===//
//
// lipc's stages run their own pass managers. Where the tool registered
// MLIR's pass manager options (lipc does: --mlir-print-ir-after-all,
// --mlir-timing, crash reproducers), each stage's pass manager takes them;
// a library caller that registered none (a unit test) runs without them
// rather than failing.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_SUPPORT_COMMANDLINEPASSOPTIONS_H
#define LIPC_SUPPORT_COMMANDLINEPASSOPTIONS_H

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"

namespace lipc {

inline mlir::LogicalResult applyCommandLinePassOptions(mlir::PassManager &pm) {
  if (!llvm::cl::getRegisteredOptions().count("mlir-print-ir-after-all"))
    return mlir::success();
  if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
    return mlir::failure();
  if (llvm::cl::getRegisteredOptions().count("mlir-timing"))
    mlir::applyDefaultTimingPassManagerCLOptions(pm);
  return mlir::success();
}

} // namespace lipc

#endif // LIPC_SUPPORT_COMMANDLINEPASSOPTIONS_H
