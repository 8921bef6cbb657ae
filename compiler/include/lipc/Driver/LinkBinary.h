//===- LinkBinary.h - Link a model's objects with the runtime -------------===//
//
// `lipc compile` ends by linking the model's object files with the runtime's
// archives (liprt_main, liprt, LipNumerics) into one executable. The
// archives sit beside lipc, in `<lipc's directory>/../lib/lipc`, in the build
// tree and in an installed prefix alike, so lipc can be installed or moved.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_LINKBINARY_H
#define LIPC_DRIVER_LINKBINARY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace lipc {

/// The runtime archives a model binary links, in link order.
llvm::ArrayRef<llvm::StringLiteral> runtimeArchiveNames();

/// The folder of the runtime archives for the lipc executable at
/// `executablePath`: its `../lib/lipc`. An error names the folder and the
/// first archive missing from it.
llvm::Expected<std::string> findRuntimeDirectory(llvm::StringRef executablePath);

/// Links `objects` with the runtime archives of `runtimeDirectory` and the
/// system libraries they need into the executable `output`.
llvm::Error linkModelBinary(llvm::ArrayRef<std::string> objects, llvm::StringRef runtimeDirectory,
                            llvm::StringRef output);

} // namespace lipc

#endif // LIPC_DRIVER_LINKBINARY_H
