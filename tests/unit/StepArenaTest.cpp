//===- StepArenaTest.cpp - The runtime's caching step allocator -----------===//
//
// liprt/StepArena.h: blocks aligned as asked (large ones on 2 MiB huge-page
// boundaries), reused by size class after a release (the counters say
// which), distinct while live, absurd sizes and alignments refused with
// null, trim gives the cache back.
//
//===----------------------------------------------------------------------===//

#include "liprt/StepArena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>

namespace {
using namespace liprt::arena;

bool alignedTo(void *p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

TEST(StepArena, ReleasedBlocksServeTheSameSizeClassAgain) {
  trim();
  resetStats();
  void *a = allocate(10000), *b = allocate(10000);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a, b);
  std::memset(a, 1, 10000);
  std::memset(b, 2, 10000);
  EXPECT_EQ(stats().fresh, 2u);
  release(a);
  // 10000 and 12000 bytes round to the same three pages; 20000 does not.
  void *c = allocate(12000);
  EXPECT_EQ(c, a);
  void *d = allocate(20000);
  EXPECT_NE(d, a);
  Stats s = stats();
  EXPECT_EQ(s.fresh, 3u);
  EXPECT_EQ(s.reused, 1u);
  EXPECT_EQ(s.liveBytes, 3 * 4096u + 3 * 4096u + 5 * 4096u);
  release(b);
  release(c);
  release(d);
  EXPECT_EQ(stats().liveBytes, 0u);
  EXPECT_EQ(stats().cachedBytes, 11 * 4096u);
  trim();
  EXPECT_EQ(stats().cachedBytes, 0u);
}

TEST(StepArena, BlocksAreAlignedAsAsked) {
  for (size_t bytes : {1ul, 63ul, 64ul, 4095ul, 1ul << 20}) {
    void *p = allocate(bytes);
    EXPECT_TRUE(alignedTo(p, 64)) << bytes << " bytes";
    release(p);
  }
  void *wide = _mlir_memref_to_llvm_aligned_alloc(4096, 100);
  EXPECT_TRUE(alignedTo(wide, 4096));
  _mlir_memref_to_llvm_free(wide);
  void *odd = _mlir_memref_to_llvm_aligned_alloc(24, 100); // rounds up to a power of two
  EXPECT_TRUE(alignedTo(odd, 64));
  _mlir_memref_to_llvm_free(odd);
}

TEST(StepArena, LargeBlocksStartOnHugePages) {
  const size_t bytes = (size_t(5) << 20) + 12345; // rounds to 6 MiB
  void *a = allocate(bytes);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(alignedTo(a, size_t(2) << 20));
  std::memset(a, 3, bytes);
  uint64_t live = stats().liveBytes;
  release(a);
  EXPECT_EQ(live - stats().liveBytes, size_t(6) << 20);
  EXPECT_EQ(allocate(size_t(6) << 20), a) << "the same class";
  release(a);
  trim();
}

TEST(StepArena, ZeroBytesGiveAUsableBlock) {
  void *p = _mlir_memref_to_llvm_alloc(0);
  EXPECT_NE(p, nullptr);
  _mlir_memref_to_llvm_free(p);
  _mlir_memref_to_llvm_free(nullptr);
}

TEST(StepArena, AbsurdRequestsGiveNull) {
  resetStats();
  EXPECT_EQ(allocate(std::numeric_limits<size_t>::max()), nullptr);
  EXPECT_EQ(allocate(std::numeric_limits<size_t>::max() - 4096), nullptr);
  EXPECT_EQ(allocate(64, std::numeric_limits<size_t>::max()), nullptr);
  EXPECT_EQ(stats().fresh, 0u);
}
} // namespace
