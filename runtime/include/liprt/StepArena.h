//===- StepArena.h - The memory compiled CPU steps allocate from -*- C++ -*-===//
//
// lipc compiles the CPU step's memref allocations to MLIR's generic
// allocation functions (finalize-memref-to-llvm{use-generic-functions}),
// which this arena defines. A freed block is kept for the next request of
// its size class instead of going back to the system, so a step that runs
// again with the same shapes allocates exactly what the previous one freed:
// no fresh pages to fault in and zero on every step. Blocks are 64-byte
// aligned, those of 4 MiB and more 2 MiB-aligned on transparent huge pages.
// The results a step returns are arena blocks too: the runtime releases
// them here, never with free().
//
// Thread-safe (one lock): allocations happen between parallel loops, not
// inside them.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_STEPARENA_H
#define LIPRT_STEPARENA_H

#include <cstddef>
#include <cstdint>

namespace liprt::arena {

/// What the arena has done since the process started (or since resetStats).
struct Stats {
  uint64_t fresh = 0;       // requests served by new memory from the system
  uint64_t reused = 0;      // requests served by a cached block
  uint64_t freshBytes = 0;  // bytes of the fresh blocks
  uint64_t liveBytes = 0;   // bytes of blocks handed out and not yet released
  uint64_t cachedBytes = 0; // bytes of released blocks kept for reuse
};

/// A block of at least `bytes` bytes aligned to `alignment` (a power of two;
/// at least 64), or null when the system has no memory.
void *allocate(size_t bytes, size_t alignment = 64);
/// Returns a block from allocate() to the cache (null is ignored).
void release(void *block);
Stats stats();
/// Zeroes the counters fresh, reused and freshBytes.
void resetStats();
/// Gives every cached block back to the system.
void trim();

} // namespace liprt::arena

/// MLIR's generic allocation entry points, called by compiled steps.
extern "C" void *_mlir_memref_to_llvm_alloc(size_t bytes);
extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes);
extern "C" void _mlir_memref_to_llvm_free(void *block);

#endif // LIPRT_STEPARENA_H
