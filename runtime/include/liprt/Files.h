//===- Files.h - Reading and writing files, every failure an error --------===//
//
// Every file the runtime reads or writes goes through here, so that each
// failure is a message naming the file and never an exception, a hang or an
// unbounded allocation: a directory, a missing or unreadable file, a FIFO or
// a device (/dev/zero) given where a file is read; a full disk or a closed
// pipe where one is written.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_FILES_H
#define LIPRT_FILES_H

#include "liprt/Status.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace liprt {

/// The bytes of the regular file at `path`, a `kind` of file ("checkpoint",
/// "data file") as messages name it; longer than `limit` bytes is an error.
Result<std::string> readFile(const std::string &path, const std::string &kind,
                             uint64_t limit = UINT64_MAX);

/// A file written line by line (a training log): created or truncated when
/// opened, each line flushed and checked, so a full disk is reported at the
/// line it hits, naming the file.
class LineFile {
public:
  /// Opening never blocks: a FIFO without a reader is an error.
  static Result<LineFile> open(const std::string &path, const std::string &kind);

  LineFile(LineFile &&other) noexcept;
  LineFile &operator=(LineFile &&other) = delete;
  ~LineFile();

  /// Writes `text` and a newline, flushed.
  Status writeLine(const std::string &text);
  /// Closes the file, reporting what the last writes hit.
  Status close();

private:
  LineFile(std::FILE *file, std::string path, std::string kind);
  Status failure() const;

  std::FILE *file_;
  std::string path_, kind_;
};

} // namespace liprt

#endif // LIPRT_FILES_H
