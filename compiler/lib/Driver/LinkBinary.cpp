//===- LinkBinary.cpp - Link a model's objects with the runtime -----------===//
//
// Finds the runtime archives relative to lipc's own executable and runs the
// C++ compiler driver (with lld) as the linker. The system libraries
// (zlib, LLVM's OpenMP runtime, OpenBLAS's OpenMP build) are Debian
// packages found when lipc was configured: LIPC_SYSTEM_LIBRARIES.
//
//===----------------------------------------------------------------------===//

#include "lipc/Driver/LinkBinary.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace lipc;

llvm::ArrayRef<llvm::StringLiteral> lipc::runtimeArchiveNames() {
  static constexpr llvm::StringLiteral names[] = {"libliprt_main.a", "libliprt.a", "libliprt_io.a",
                                                  "libLipNumerics.a"};
  return names;
}

llvm::Expected<std::string> lipc::findRuntimeDirectory(llvm::StringRef executablePath) {
  llvm::SmallString<256> directory(llvm::sys::path::parent_path(executablePath));
  llvm::sys::path::append(directory, "..", "lib", "lipc");
  llvm::sys::path::remove_dots(directory, /*remove_dot_dot=*/true);
  for (llvm::StringRef name : runtimeArchiveNames()) {
    llvm::SmallString<256> archive(directory);
    llvm::sys::path::append(archive, name);
    if (!llvm::sys::fs::is_regular_file(archive))
      return llvm::createStringError("the runtime library " + archive.str().str() +
                                     " is missing (lipc finds its runtime in ../lib/lipc "
                                     "beside its executable: install with "
                                     "'cmake --install BUILD --prefix PREFIX')");
  }
  return directory.str().str();
}

llvm::Error lipc::linkModelBinary(llvm::ArrayRef<std::string> objects,
                                  llvm::StringRef runtimeDirectory, llvm::StringRef output) {
  llvm::SmallVector<std::string> archives;
  for (llvm::StringRef name : runtimeArchiveNames()) {
    llvm::SmallString<256> archive(runtimeDirectory);
    llvm::sys::path::append(archive, name);
    archives.push_back(archive.str().str());
  }
  llvm::SmallVector<llvm::StringRef> systemLibraries;
  llvm::StringRef(LIPC_SYSTEM_LIBRARIES).split(systemLibraries, '|', -1, false);
  // lld (which the setup installs): 0.11 s against ld.bfd's 0.18 s for the
  // Shakespeare binary.
  llvm::SmallVector<llvm::StringRef> command = {LIPC_LINKER, "-fuse-ld=lld", "-o", output};
  command.append(objects.begin(), objects.end());
  command.append(archives.begin(), archives.end());
  command.append(systemLibraries.begin(), systemLibraries.end());
  command.append({"-lstdc++", "-lmvec", "-lm"});
  std::string error;
  int linked = llvm::sys::ExecuteAndWait(LIPC_LINKER, command, std::nullopt, {}, 0, 0, &error);
  if (linked != 0)
    return llvm::createStringError("linking " + output.str() + " failed" +
                                   (error.empty() ? "" : ": " + error));
  return llvm::Error::success();
}
