//===- DistributedTest.cpp - The data-parallel collective -----------------===//
//
// liprt_all_reduce_mean, as compiled steps call it on their gradients'
// buffers: in one process it changes nothing; under `mpirun -np N` (ctest
// runs this binary both ways, see CMakeLists.txt) every rank's buffer holds
// the mean over the ranks, the same bits on each, dense or strided, and
// the elements between a strided view's rows stay as they were.
//
//===----------------------------------------------------------------------===//

#include "liprt/Distributed.h"

#include <gtest/gtest.h>

#include <vector>

namespace {
liprt::dist::Ranks ranks;

/// Rank r's value of element i: (r + 1) (i + 1), whose mean over N ranks
/// is (i + 1) (N + 1) / 2, exact in float32 for these sizes.
float valueOf(int rank, int64_t i) { return static_cast<float>((rank + 1) * (i + 1)); }
float meanOf(int64_t i) { return static_cast<float>((i + 1) * (ranks.size + 1)) / 2.0f; }

void reduce(StridedMemRefType<float, 2> &view) {
  UnrankedMemRefType<float> any{2, &view};
  _mlir_ciface_liprt_all_reduce_mean(&any);
}

TEST(Distributed, DenseBuffersHoldTheMean) {
  std::vector<float> data(6);
  for (int64_t i = 0; i < 6; ++i)
    data[i] = valueOf(ranks.rank, i);
  StridedMemRefType<float, 2> view{data.data(), data.data(), 0, {2, 3}, {3, 1}};
  reduce(view);
  for (int64_t i = 0; i < 6; ++i)
    EXPECT_EQ(data[i], meanOf(i)) << "element " << i << " on rank " << ranks.rank;
}

// A view whose rows are 5 floats apart holds 3 of them: the other two of
// each row are not the view's and keep their value.
TEST(Distributed, StridedViewsHoldTheMeanAndLeaveTheGaps) {
  const float gap = -7.0f;
  std::vector<float> data(1 + 2 * 5, gap);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 3; ++c)
      data[1 + r * 5 + c] = valueOf(ranks.rank, r * 3 + c);
  StridedMemRefType<float, 2> view{data.data(), data.data(), 1, {2, 3}, {5, 1}};
  reduce(view);
  EXPECT_EQ(data[0], gap) << "before the offset";
  for (int64_t r = 0; r < 2; ++r) {
    for (int64_t c = 0; c < 3; ++c)
      EXPECT_EQ(data[1 + r * 5 + c], meanOf(r * 3 + c)) << r << "," << c;
    for (int64_t c = 3; c < 5 && 1 + r * 5 + c < static_cast<int64_t>(data.size()); ++c)
      EXPECT_EQ(data[1 + r * 5 + c], gap) << "gap " << r << "," << c;
  }
}
} // namespace

int main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  liprt::Result<liprt::dist::Ranks> joined = liprt::dist::join();
  if (!joined) {
    std::fprintf(stderr, "%s\n", joined.status().message().c_str());
    return 1;
  }
  ranks = *joined;
  return liprt::dist::finish(RUN_ALL_TESTS());
}
