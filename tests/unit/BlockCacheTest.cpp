//===- BlockCacheTest.cpp - The GPU's device-memory cache, on the host ----===//
//
// liprt/BlockCache.h over a host allocator that counts its calls and can
// run out, the same interface the CUDA runtime gives cuMemAlloc: a step
// repeated with the same requests is served from the cache alone, live
// blocks are distinct, size classes bound the waste, an allocator out of
// memory gets the cached blocks back before the request fails, a block
// claimed back from the cache (a CUDA graph's) is not handed out until it
// is released again, and everything goes back at the end.
//
//===----------------------------------------------------------------------===//

#include "liprt/BlockCache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <vector>

namespace {
/// A host allocator with a capacity, counting what it hands out.
struct Host {
  static inline size_t capacity = SIZE_MAX, inUse = 0, calls = 0, releases = 0;
  static inline std::vector<std::pair<void *, size_t>> blocks;

  static void *allocate(size_t bytes) {
    ++calls;
    if (bytes > capacity - inUse)
      return nullptr;
    void *block = std::malloc(bytes);
    inUse += bytes;
    blocks.emplace_back(block, bytes);
    return block;
  }
  static void release(void *block) {
    ++releases;
    for (auto it = blocks.begin(); it != blocks.end(); ++it)
      if (it->first == block) {
        inUse -= it->second;
        blocks.erase(it);
        break;
      }
    std::free(block);
  }
  static void reset(size_t limit = SIZE_MAX) {
    capacity = limit;
    calls = releases = 0;
  }
};

liprt::BlockCache::Allocator host() { return {Host::allocate, Host::release}; }

/// One "step": the requests a compiled step makes, all released at the end.
std::vector<void *> step(liprt::BlockCache &cache, const std::vector<size_t> &requests) {
  std::vector<void *> blocks;
  for (size_t bytes : requests)
    blocks.push_back(cache.allocate(bytes));
  return blocks;
}

TEST(BlockCacheTest, ARepeatedStepIsServedFromTheCache) {
  Host::reset();
  {
    liprt::BlockCache cache(host());
    const std::vector<size_t> requests = {4, 1000, 1000, 3 << 20, 65 * 4 * 256, 1};
    for (int round = 0; round < 3; ++round) {
      std::vector<void *> blocks = step(cache, requests);
      std::set<void *> distinct(blocks.begin(), blocks.end());
      EXPECT_EQ(distinct.size(), requests.size()) << "live blocks are distinct";
      EXPECT_EQ(distinct.count(nullptr), 0u);
      for (void *b : blocks)
        cache.release(b);
    }
    EXPECT_EQ(Host::calls, requests.size()) << "only the first step asked the allocator";
    EXPECT_EQ(cache.stats().fresh, requests.size());
    EXPECT_EQ(cache.stats().reused, 2 * requests.size());
    EXPECT_EQ(cache.stats().liveBytes, 0u);
    EXPECT_EQ(cache.stats().cachedBytes, cache.stats().freshBytes);
    EXPECT_EQ(Host::releases, 0u) << "nothing goes back during the steps";
  }
  EXPECT_EQ(Host::inUse, 0u) << "everything goes back at the end";
}

TEST(BlockCacheTest, SizeClassesWasteLittle) {
  for (size_t bytes : {size_t(1), size_t(511), size_t(512), size_t(513), size_t(1) << 20,
                       (size_t(1) << 20) + 1, size_t(3) << 20, size_t(1000000007)}) {
    size_t size = liprt::BlockCache::sizeClass(bytes);
    EXPECT_GE(size, bytes);
    EXPECT_LE(size - bytes, std::max<size_t>(511, bytes / 8)) << bytes;
    EXPECT_EQ(liprt::BlockCache::sizeClass(size), size) << "a class is its own class";
  }
  EXPECT_EQ(liprt::BlockCache::sizeClass(0), 512u);
}

TEST(BlockCacheTest, OutOfMemoryGivesTheCacheBackFirst) {
  Host::reset(/*limit=*/4096);
  liprt::BlockCache cache(host());
  void *a = cache.allocate(2048), *b = cache.allocate(2048);
  ASSERT_TRUE(a && b);
  cache.release(a);
  cache.release(b);
  // While a CUDA graph is recorded, the cached blocks stay (the recording
  // may use them): the request fails.
  EXPECT_EQ(cache.allocate(3000, /*mayTrim=*/false), nullptr);
  EXPECT_EQ(cache.stats().cachedBytes, 4096u);
  EXPECT_EQ(Host::releases, 0u);
  void *big = cache.allocate(3000); // another class: only after the cached 4096 bytes go back
  EXPECT_NE(big, nullptr);
  EXPECT_EQ(cache.stats().cachedBytes, 0u);
  EXPECT_EQ(cache.allocate(4096), nullptr) << "a request beyond the memory fails cleanly";
  cache.release(big);
}

TEST(BlockCacheTest, ForeignAndNullBlocksAreIgnored) {
  Host::reset();
  liprt::BlockCache cache(host());
  int onStack = 0;
  cache.release(nullptr);
  cache.release(&onStack);
  EXPECT_EQ(cache.stats().cachedBytes, 0u);
  void *a = cache.allocate(10);
  cache.release(a);
  cache.release(a); // a second release of the same block
  EXPECT_EQ(cache.stats().cachedBytes, 512u);
  EXPECT_EQ(cache.allocate(10), a);
}

// A CUDA graph's work keeps using the blocks its capture released: claimed
// back, they are live (not handed to the next request) until released.
TEST(BlockCacheTest, ClaimedBlocksAreNotHandedOut) {
  Host::reset();
  liprt::BlockCache cache(host());
  void *graphs = cache.allocate(1000), *other = cache.allocate(1000);
  cache.release(graphs);
  cache.release(other);
  EXPECT_TRUE(cache.claim(graphs));
  EXPECT_FALSE(cache.claim(graphs)) << "claimed once";
  int onStack = 0;
  EXPECT_FALSE(cache.claim(&onStack));
  EXPECT_EQ(cache.stats().liveBytes, 1024u);
  EXPECT_EQ(cache.stats().cachedBytes, 1024u);
  void *next = cache.allocate(1000), *fresh = cache.allocate(1000);
  EXPECT_EQ(next, other);
  EXPECT_NE(fresh, graphs) << "a claimed block is not handed out";
  cache.release(graphs);
  EXPECT_EQ(cache.allocate(1000), graphs) << "released again, it is";
}
} // namespace
