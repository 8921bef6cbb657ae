//===- BlockCache.cpp - Freed blocks kept for the next request ------------===//

#include "liprt/BlockCache.h"

#include <algorithm>

using namespace liprt;

size_t BlockCache::sizeClass(size_t bytes) {
  constexpr size_t kSmallStep = 512, kSmallLimit = size_t(1) << 20;
  if (bytes <= kSmallLimit)
    return bytes == 0 ? kSmallStep : (bytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  size_t power = kSmallLimit;
  while (power < bytes)
    power *= 2;
  size_t step = power / 16; // under 1/8 of the request, which exceeds power / 2
  return (bytes + step - 1) / step * step;
}

BlockCache::~BlockCache() {
  trim();
  for (auto &[block, size] : handedOut_)
    allocator_.release(block);
}

void *BlockCache::allocate(size_t bytes, bool mayTrim) {
  size_t size = sizeClass(bytes);
  void *block = nullptr;
  if (auto it = cached_.find(size); it != cached_.end() && !it->second.empty()) {
    block = it->second.back();
    it->second.pop_back();
    stats_.cachedBytes -= size;
    ++stats_.reused;
  } else {
    block = allocator_.allocate(size);
    if (!block && mayTrim && stats_.cachedBytes > 0) {
      trim();
      block = allocator_.allocate(size);
    }
    if (!block)
      return nullptr;
    ++stats_.fresh;
    stats_.freshBytes += size;
  }
  handedOut_[block] = size;
  stats_.liveBytes += size;
  return block;
}

void BlockCache::release(void *block) {
  auto it = handedOut_.find(block);
  if (it == handedOut_.end())
    return;
  size_t size = it->second;
  handedOut_.erase(it);
  cached_[size].push_back(block);
  stats_.liveBytes -= size;
  stats_.cachedBytes += size;
}

bool BlockCache::claim(void *block) {
  for (auto &[size, blocks] : cached_) {
    auto it = std::find(blocks.begin(), blocks.end(), block);
    if (it == blocks.end())
      continue;
    blocks.erase(it);
    handedOut_[block] = size;
    stats_.cachedBytes -= size;
    stats_.liveBytes += size;
    return true;
  }
  return false;
}

void BlockCache::trim() {
  for (auto &[size, blocks] : cached_)
    for (void *block : blocks)
      allocator_.release(block);
  cached_.clear();
  stats_.cachedBytes = 0;
}
