//===- MemrefCopy.cpp - The copy routine compiled steps call --------------===//
//
// MLIR lowers a memref.copy between buffers of non-identity layout (strided
// views such as a transposed or sliced tensor) to a call to `memrefCopy`,
// which upstream lives in libmlir_c_runner_utils. Model binaries must not
// depend on MLIR's shared libraries, so liprt provides it (with the
// signature CRunnerUtils.h declares): an element-wise strided copy over
// unranked descriptors (rank, then a pointer to a ranked descriptor,
// lipc_abi.h).
//
//===----------------------------------------------------------------------===//

#include "lipc_abi.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace {
using UnrankedDescriptor = UnrankedMemRefType<char>;

struct StridedView {
  char *aligned;
  int64_t offset;
  const int64_t *sizes, *strides;
};

StridedView view(const UnrankedDescriptor &d) {
  auto *words = static_cast<int64_t *>(d.descriptor);
  char *aligned;
  std::memcpy(&aligned, &words[1], sizeof(char *));
  return {aligned, words[2], &words[3], &words[3 + d.rank]};
}
} // namespace

extern "C" void memrefCopy(int64_t elementSize, UnrankedDescriptor *source,
                           UnrankedDescriptor *target) {
  int64_t rank = source->rank;
  StridedView from = view(*source), to = view(*target);
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d)
    count *= from.sizes[d];
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t a = from.offset, b = to.offset;
    for (int64_t d = 0; d < rank; ++d)
      a += index[d] * from.strides[d], b += index[d] * to.strides[d];
    std::memcpy(to.aligned + b * elementSize, from.aligned + a * elementSize, elementSize);
    for (int64_t d = rank - 1; d >= 0 && ++index[d] == from.sizes[d]; --d)
      index[d] = 0;
  }
}
