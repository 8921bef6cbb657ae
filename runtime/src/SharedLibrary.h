//===- SharedLibrary.h - Libraries opened at run time ---------------------===//
//
// The runtime opens its optional libraries (the CUDA driver, cuBLAS, NCCL,
// Open MPI) with dlopen, so that binaries run without them. Symbols
// resolves their entry points by name; openCudaLibrary finds a CUDA
// library where the loader or the CUDA toolkit keeps it.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_SHAREDLIBRARY_H
#define LIPRT_SHAREDLIBRARY_H

#include <dlfcn.h>

#include <cstdlib>
#include <initializer_list>
#include <string>

namespace liprt {

/// Resolves entry points (or globals' addresses) of an opened library into
/// typed slots, remembering the first name it did not find.
class Symbols {
public:
  explicit Symbols(void *library) : library(library) {}

  template <typename T> void operator()(T &slot, const char *name) {
    slot = reinterpret_cast<T>(dlsym(library, name));
    if (!slot && missing.empty())
      missing = name;
  }

  /// The first name not found, or "" when every one was.
  const std::string &firstMissing() const { return missing; }

private:
  void *library;
  std::string missing;
};

/// The first of `names` that opens, each tried on the loader's path and
/// then in the CUDA toolkit's lib64 and lib ($CUDA_HOME, else
/// /usr/local/cuda); null when none does, with the loader's last reason in
/// `why`.
inline void *openCudaLibrary(std::initializer_list<const char *> names, std::string &why) {
  const char *home = std::getenv("CUDA_HOME");
  const std::string toolkit = home ? home : "/usr/local/cuda";
  for (const std::string &directory : {std::string(), toolkit + "/lib64/", toolkit + "/lib/"})
    for (const char *name : names)
      if (void *handle = dlopen((directory + name).c_str(), RTLD_NOW | RTLD_LOCAL))
        return handle;
  const char *reason = dlerror();
  why = reason ? reason : "not found";
  return nullptr;
}

} // namespace liprt

#endif // LIPRT_SHAREDLIBRARY_H
