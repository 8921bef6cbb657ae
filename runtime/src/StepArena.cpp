//===- StepArena.cpp - The memory compiled CPU steps allocate from --------===//
//
// A caching allocator (liprt/StepArena.h). Sizes round up to a class: 64
// bytes below 4 KiB, pages below 4 MiB, 2 MiB huge pages above (a step's
// shapes repeat exactly, so a class only has to be the same every time).
// Large blocks are mapped on 2 MiB boundaries and offered to the kernel's
// transparent huge pages (madvise): the activations a step streams through
// its matrix products then cost a TLB entry per 2 MiB instead of per 4 KiB.
// Every block's class is kept in a table, not beside the block, so large
// blocks can start on their boundary.
//
//===----------------------------------------------------------------------===//

#include "liprt/StepArena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {
using liprt::arena::Stats;

constexpr size_t kMinAlignment = 64;
constexpr size_t kPage = 4096;
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kHugeFrom = size_t(4) << 20;

/// The size class of a request; 0 when it cannot be represented.
size_t sizeClass(size_t bytes) {
  if (bytes > std::numeric_limits<size_t>::max() / 2)
    return 0;
  const size_t unit = bytes >= kHugeFrom ? kHugePage : bytes >= kPage ? kPage : 64;
  return (std::max<size_t>(bytes, 1) + unit - 1) / unit * unit;
}

/// The alignment actually used: a power of two, at least 64; 0 if none fits.
size_t effectiveAlignment(size_t alignment) {
  size_t a = kMinAlignment;
  while (a < alignment && a <= std::numeric_limits<size_t>::max() / 4)
    a *= 2;
  return a >= alignment ? a : 0;
}

/// A block as the system gave it.
struct Block {
  size_t classBytes;
  size_t alignment;
};

/// `bytes` (a multiple of 2 MiB) mapped at a multiple of `alignment` (at
/// least 2 MiB) and advised to use huge pages; null when the system refuses.
void *mapHuge(size_t bytes, size_t alignment) {
  if (bytes > std::numeric_limits<size_t>::max() - alignment)
    return nullptr;
  size_t span = bytes + alignment;
  void *raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED)
    return nullptr;
  uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  uintptr_t first = (start + alignment - 1) & ~(uintptr_t(alignment) - 1);
  if (first > start)
    munmap(raw, first - start);
  if (size_t tail = start + span - (first + bytes))
    munmap(reinterpret_cast<void *>(first + bytes), tail);
  void *block = reinterpret_cast<void *>(first);
  madvise(block, bytes, MADV_HUGEPAGE);
  return block;
}

void *fromSystem(const Block &b) {
  if (b.classBytes >= kHugeFrom)
    return mapHuge(b.classBytes, std::max(b.alignment, kHugePage));
  size_t bytes = (b.classBytes + b.alignment - 1) / b.alignment * b.alignment;
  return std::aligned_alloc(b.alignment, bytes);
}

void toSystem(void *pointer, const Block &b) {
  if (b.classBytes >= kHugeFrom)
    munmap(pointer, b.classBytes);
  else
    std::free(pointer);
}

class Arena {
public:
  void *allocate(size_t bytes, size_t alignment) {
    Block b{sizeClass(bytes), effectiveAlignment(alignment)};
    if (b.classBytes == 0 || b.alignment == 0)
      return nullptr;
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<void *> &free = cached[{b.classBytes, b.alignment}];
    void *block;
    if (!free.empty()) {
      block = free.back();
      free.pop_back();
      counters.cachedBytes -= b.classBytes;
      ++counters.reused;
    } else {
      block = fromSystem(b);
      if (!block)
        return nullptr;
      blocks.emplace(block, b);
      ++counters.fresh;
      counters.freshBytes += b.classBytes;
    }
    counters.liveBytes += b.classBytes;
    return block;
  }

  void release(void *block) {
    if (!block)
      return;
    std::lock_guard<std::mutex> lock(mutex);
    auto known = blocks.find(block);
    if (known == blocks.end()) {
      // A caller bug, not bad input: no block of ours to take back.
      std::fprintf(stderr, "liprt: a pointer the step arena never gave out was released to it\n");
      std::abort();
    }
    const Block &b = known->second;
    cached[{b.classBytes, b.alignment}].push_back(block);
    counters.liveBytes -= b.classBytes;
    counters.cachedBytes += b.classBytes;
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
    for (auto &[key, free] : cached)
      for (void *block : free) {
        toSystem(block, blocks.at(block));
        blocks.erase(block);
      }
    cached.clear();
    counters.cachedBytes = 0;
  }

private:
  std::mutex mutex;
  std::unordered_map<void *, Block> blocks;                        // every block we gave out
  std::map<std::pair<size_t, size_t>, std::vector<void *>> cached; // (class, alignment) -> free
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
