//===- BlockCache.h - Freed blocks kept for the next request ---*- C++ -*-===//
//
// A cache of memory blocks over an allocator (the GPU's device memory,
// cuMemAlloc): a released block waits in a list of its size class for the
// next request of that class instead of going back. A training step that
// runs again with the same shapes then gets back the blocks the previous
// step released, without a call to the allocator: cuMemAlloc and cuMemFree
// are slow and cuMemFree waits for the whole device, which would stall
// every step. When the allocator has no memory left, the cache gives back
// what it holds and asks once more.
//
// Not thread-safe: a compiled step allocates from the thread that runs it.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_BLOCKCACHE_H
#define LIPRT_BLOCKCACHE_H

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace liprt {

class BlockCache {
public:
  /// Where blocks come from: `allocate` returns null when it has no memory.
  struct Allocator {
    void *(*allocate)(size_t bytes);
    void (*release)(void *block);
  };

  /// What the cache has done since it was made.
  struct Stats {
    uint64_t fresh = 0;       // requests the allocator served
    uint64_t reused = 0;      // requests a cached block served
    uint64_t freshBytes = 0;  // bytes of the fresh blocks
    uint64_t liveBytes = 0;   // bytes of blocks handed out and not yet released
    uint64_t cachedBytes = 0; // bytes of released blocks kept
  };

  explicit BlockCache(Allocator allocator) : allocator_(allocator) {}
  BlockCache(const BlockCache &) = delete;
  BlockCache &operator=(const BlockCache &) = delete;
  /// Gives every block, cached or not, back to the allocator.
  ~BlockCache();

  /// A block of at least `bytes` (its size class), or null when the
  /// allocator has no memory even after the cache gave back its blocks
  /// (with `mayTrim`; without, the cached blocks stay: a CUDA graph being
  /// recorded may have used them).
  void *allocate(size_t bytes, bool mayTrim = true);
  /// Keeps a block from allocate() for the next request of its class (null
  /// and blocks the cache did not hand out are ignored).
  void release(void *block);
  /// Takes `block` back out of the cache as if allocate() had handed it out
  /// again (a CUDA graph's work keeps using the blocks its capture
  /// released); false when the cache does not hold it.
  bool claim(void *block);
  /// Gives the cached blocks back to the allocator.
  void trim();
  const Stats &stats() const { return stats_; }

  /// The size class of a request: a multiple of 512 bytes up to 1 MiB, of
  /// 1/16 of the next power of two beyond (less than 1/8 of the request
  /// unused).
  static size_t sizeClass(size_t bytes);

private:
  Allocator allocator_;
  std::unordered_map<size_t, std::vector<void *>> cached_; // by size class
  std::unordered_map<void *, size_t> handedOut_;          // block -> size class
  Stats stats_;
};

} // namespace liprt

#endif // LIPRT_BLOCKCACHE_H
