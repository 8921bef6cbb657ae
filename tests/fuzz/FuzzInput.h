//===- FuzzInput.h - A fuzz input as a file path, without touching disk ---===//
//
// The runtime's loaders take paths. InputFile holds one memfd (an anonymous
// in-memory file) per name for the fuzzer's life; write() replaces its
// contents and returns a path (/proc/self/fd/N) that opens it from the start.
// A temporary file stands in where memfd_create is unavailable.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_TESTS_FUZZ_FUZZINPUT_H
#define LIPC_TESTS_FUZZ_FUZZINPUT_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace lipc::fuzz {

class InputFile {
public:
  explicit InputFile(const char *name) {
    fd_ = ::memfd_create(name, 0);
    if (fd_ >= 0) {
      path_ = "/proc/self/fd/" + std::to_string(fd_);
      return;
    }
    std::string pattern = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                          "/lipc-fuzz-" + name + "-XXXXXX";
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) {
      std::perror("lipc fuzz: no memfd and no temporary file");
      std::abort();
    }
    path_ = pattern;
    tempFile_ = true;
  }
  ~InputFile() {
    ::close(fd_);
    if (tempFile_)
      ::unlink(path_.c_str());
  }
  InputFile(const InputFile &) = delete;
  InputFile &operator=(const InputFile &) = delete;

  /// Replaces the file's contents with `size` bytes at `data`.
  const std::string &write(const uint8_t *data, size_t size) {
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size)) {
      std::perror("lipc fuzz: cannot write the input file");
      std::abort();
    }
    return path_;
  }

private:
  int fd_ = -1;
  std::string path_;
  bool tempFile_ = false;
};

/// Aborts (a crash libFuzzer reports and saves) when a property the code
/// under test promises does not hold.
inline void check(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "lipc fuzz: broken promise: %s\n", what);
    std::abort();
  }
}

} // namespace lipc::fuzz

#endif // LIPC_TESTS_FUZZ_FUZZINPUT_H
