//===- StepArena.cpp - The memory compiled CPU steps allocate from --------===//
//
// A caching allocator (liprt/StepArena.h). Each block carries a header just
// before it: the system allocation it lives in and its size class. Sizes
// round up to whole pages from 4 KiB (to 64 bytes below): a step's shapes
// repeat exactly, so a class only has to be the same every time.
//
//===----------------------------------------------------------------------===//

#include "liprt/StepArena.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace {
using liprt::arena::Stats;

constexpr size_t kMinAlignment = 64;

struct Header {
  void *system;      // what malloc returned
  size_t classBytes; // the usable size
  size_t alignment;
};

/// The size class of a request; 0 when it cannot be represented.
size_t sizeClass(size_t bytes) {
  const size_t unit = bytes >= 4096 ? 4096 : 64;
  if (bytes > std::numeric_limits<size_t>::max() / 2)
    return 0;
  return (std::max<size_t>(bytes, 1) + unit - 1) / unit * unit;
}

/// The alignment actually used: a power of two, at least 64; 0 if none fits.
size_t effectiveAlignment(size_t alignment) {
  size_t a = kMinAlignment;
  while (a < alignment && a <= std::numeric_limits<size_t>::max() / 4)
    a *= 2;
  return a >= alignment ? a : 0;
}

Header *headerOf(void *block) { return static_cast<Header *>(block) - 1; }

class Arena {
public:
  void *allocate(size_t bytes, size_t alignment) {
    size_t classBytes = sizeClass(bytes), align = effectiveAlignment(alignment);
    if (classBytes == 0 || align == 0)
      return nullptr;
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<void *> &free = cached[{classBytes, align}];
    void *block;
    if (!free.empty()) {
      block = free.back();
      free.pop_back();
      counters.cachedBytes -= classBytes;
      ++counters.reused;
    } else {
      block = fromSystem(classBytes, align);
      if (!block)
        return nullptr;
      ++counters.fresh;
      counters.freshBytes += classBytes;
    }
    counters.liveBytes += classBytes;
    return block;
  }

  void release(void *block) {
    if (!block)
      return;
    Header *header = headerOf(block);
    std::lock_guard<std::mutex> lock(mutex);
    cached[{header->classBytes, header->alignment}].push_back(block);
    counters.liveBytes -= header->classBytes;
    counters.cachedBytes += header->classBytes;
  }

  Stats stats() {
    std::lock_guard<std::mutex> lock(mutex);
    return counters;
  }

  void resetStats() {
    std::lock_guard<std::mutex> lock(mutex);
    counters.fresh = counters.reused = counters.freshBytes = 0;
  }

  void trim() {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto &[key, blocks] : cached)
      for (void *block : blocks)
        std::free(headerOf(block)->system);
    cached.clear();
    counters.cachedBytes = 0;
  }

private:
  /// A new block with its header, aligned to `align`.
  static void *fromSystem(size_t classBytes, size_t align) {
    size_t extra = sizeof(Header) + align;
    if (classBytes > std::numeric_limits<size_t>::max() - extra)
      return nullptr;
    void *system = std::malloc(classBytes + extra);
    if (!system)
      return nullptr;
    auto first = reinterpret_cast<uintptr_t>(system) + sizeof(Header);
    void *block = reinterpret_cast<void *>((first + align - 1) & ~(uintptr_t(align) - 1));
    *headerOf(block) = {system, classBytes, align};
    return block;
  }

  std::mutex mutex;
  std::map<std::pair<size_t, size_t>, std::vector<void *>> cached; // (class, alignment) -> blocks
  Stats counters;
};

/// Never destroyed: a block may be released while statics are destroyed.
Arena &theArena() {
  static Arena *arena = new Arena;
  return *arena;
}
} // namespace

void *liprt::arena::allocate(size_t bytes, size_t alignment) {
  return theArena().allocate(bytes, alignment);
}
void liprt::arena::release(void *block) { theArena().release(block); }
Stats liprt::arena::stats() { return theArena().stats(); }
void liprt::arena::resetStats() { theArena().resetStats(); }
void liprt::arena::trim() { theArena().trim(); }

extern "C" void *_mlir_memref_to_llvm_alloc(size_t bytes) { return liprt::arena::allocate(bytes); }
extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes) {
  return liprt::arena::allocate(bytes, alignment);
}
extern "C" void _mlir_memref_to_llvm_free(void *block) { liprt::arena::release(block); }
