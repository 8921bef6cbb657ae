//===- Files.cpp - Reading and writing files, every failure an error ------===//

#include "liprt/Files.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace liprt;

namespace {
Status cannot(const char *verb, const std::string &kind, const std::string &path,
              const std::string &why) {
  return Status::error(std::string("cannot ") + verb + " " + kind + " '" + path + "': " + why);
}

/// What is wrong with reading `st` as a file's contents, or "".
std::string notAFile(const struct stat &st) {
  if (S_ISDIR(st.st_mode))
    return "it is a directory";
  if (!S_ISREG(st.st_mode))
    return "it is not a regular file (a FIFO, socket or device)";
  return "";
}
} // namespace

Result<std::string> liprt::readFile(const std::string &path, const std::string &kind,
                                    uint64_t limit) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type check
  // below refuses it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return cannot("read", kind, path, std::strerror(errno));
  struct stat st;
  std::string why = ::fstat(fd, &st) != 0 ? std::strerror(errno) : notAFile(st);
  if (why.empty() && static_cast<uint64_t>(st.st_size) > limit)
    why = "it is " + std::to_string(st.st_size) + " bytes long, more than the " +
          std::to_string(limit) + " lipc reads";
  std::string bytes;
  if (why.empty()) {
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        why = n < 0 ? std::strerror(errno) : "it became shorter while being read";
        break;
      }
      done += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  if (!why.empty())
    return cannot("read", kind, path, why);
  return bytes;
}

LineFile::LineFile(std::FILE *file, std::string path, std::string kind)
    : file_(file), path_(std::move(path)), kind_(std::move(kind)) {}

LineFile::LineFile(LineFile &&other) noexcept
    : file_(std::exchange(other.file_, nullptr)), path_(std::move(other.path_)),
      kind_(std::move(other.kind_)) {}

LineFile::~LineFile() {
  if (file_)
    std::fclose(file_);
}

Result<LineFile> LineFile::open(const std::string &path, const std::string &kind) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0)
    return cannot("write", kind, path,
                  errno == ENXIO ? "it is a FIFO that no program reads" : std::strerror(errno));
  // Writes block as usual: only the open had to return at once.
  std::FILE *file = nullptr;
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
      !(file = ::fdopen(fd, "w"))) {
    Status error = cannot("write", kind, path, std::strerror(errno));
    ::close(fd);
    return error;
  }
  return LineFile(file, path, kind);
}

Status LineFile::failure() const { return cannot("write", kind_, path_, std::strerror(errno)); }

Status LineFile::writeLine(const std::string &text) {
  if (std::fputs(text.c_str(), file_) < 0 || std::fputc('\n', file_) == EOF ||
      std::fflush(file_) != 0)
    return failure();
  return Status::ok();
}

Status LineFile::close() {
  if (!file_)
    return Status::ok();
  int rc = std::fclose(std::exchange(file_, nullptr));
  return rc == 0 ? Status::ok() : failure();
}
