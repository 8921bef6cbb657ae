//===- SpecFile.cpp - Reading a spec from disk -----------------------------===//

#include "lipspec/SpecFile.h"

#include "lipspec/Lexer.h"
#include "lipspec/Limits.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <system_error>

using namespace lipc::spec;

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> lipc::spec::readSpecFile(llvm::StringRef path) {
  auto cannotRead = [&](const llvm::Twine &why) {
    return llvm::createStringError("cannot read '" + path + "': " + why);
  };
  // The type is checked before opening: opening a FIFO would wait for a
  // writer, and a device such as /dev/zero never ends.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status))
    return cannotRead(ec.message());
  if (status.type() == llvm::sys::fs::file_type::directory_file)
    return cannotRead(std::make_error_code(std::errc::is_a_directory).message());
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return cannotRead("not a regular file");
  uint64_t size = status.getSize();
  if (size > kMaxSpecBytes)
    return llvm::createStringError("'" + path + "' is " + llvm::Twine(size) +
                                   " bytes; a spec may be at most " + llvm::Twine(kMaxSpecBytes) +
                                   " bytes (1 MiB)");
  llvm::Expected<llvm::sys::fs::file_t> fd = llvm::sys::fs::openNativeFileForRead(path);
  if (!fd)
    return cannotRead(llvm::toString(fd.takeError()));
  auto close = llvm::make_scope_exit([&] { llvm::sys::fs::closeFile(*fd); });
  // With the size given, the buffer reads that many bytes and no more, even
  // if the file has grown or been replaced since; volatile: read, not mapped,
  // so a file that shrinks meanwhile cannot fault.
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getOpenFile(*fd, path, size, /*RequiresNullTerminator=*/false,
                                      /*IsVolatile=*/true);
  if (std::error_code ec = file.getError())
    return cannotRead(ec.message());
  llvm::StringRef text = (*file)->getBuffer();
  if (std::optional<size_t> bad = Lexer::findBinaryByte(text)) {
    std::string message;
    llvm::raw_string_ostream os(message);
    os << "'" << path << "' is not a text spec (byte "
       << llvm::format("0x%02x", static_cast<unsigned char>(text[*bad])) << " at offset " << *bad
       << ")";
    return llvm::createStringError(message);
  }
  return std::move(*file);
}
