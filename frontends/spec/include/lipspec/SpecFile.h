//===- SpecFile.h - Reading a spec from disk --------------------*- C++ -*-===//
//
// A spec is a regular file of text of at most kMaxSpecBytes. Anything else
// (a missing file, a directory, a device or pipe, a huge or binary file) is
// refused with one message before the lexer sees it, and reading never
// takes more than that many bytes, whatever the path names.
//
//===----------------------------------------------------------------------===//

#ifndef LIPSPEC_SPECFILE_H
#define LIPSPEC_SPECFILE_H

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace lipc::spec {

/// The text of the spec at `path` (named `path` in diagnostics), or an error
/// that says why it cannot be one: "cannot read 'x.lip': Is a directory",
/// "'x.lip' is not a text spec (byte 0x00 at offset 9)".
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> readSpecFile(llvm::StringRef path);

} // namespace lipc::spec

#endif // LIPSPEC_SPECFILE_H
