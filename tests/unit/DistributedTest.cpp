//===- DistributedTest.cpp - The data-parallel collective -----------------===//
//
// liprt_all_reduce_mean, as compiled steps call it on their gradients'
// buffers: in one process it changes nothing; under `mpirun -np N` (ctest
// runs this binary both ways, see CMakeLists.txt) every rank's buffer holds
// the mean over the ranks, the same bits on each, dense or strided, and
// the elements between a strided view's rows stay as they were. Then the
// NCCL engine: its errors (no joined run, no library, a library too old,
// the real NCCL without a GPU), and the averages it makes through
// FakeNccl.cpp, NCCL's entry points over MPI on host memory. The NCCL
// cases come last: once NCCL is joined it averages every buffer.
//
//===----------------------------------------------------------------------===//

#include "liprt/Cuda.h"
#include "liprt/Distributed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdlib>
#include <vector>

using testing::HasSubstr;

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
int waits = 0;
liprt::Status countWait() {
  ++waits;
  return liprt::Status::ok();
}

TEST(Distributed, NcclNeedsARunOfSeveralRanks) {
  if (ranks.size > 1)
    GTEST_SKIP() << "a run of several ranks";
  liprt::Status s = liprt::dist::useNccl(nullptr, countWait, FAKE_NCCL_PATH);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.message(), HasSubstr("mpirun started with more than one rank"));
}

TEST(Distributed, AMissingNcclIsAnError) {
  if (ranks.size == 1)
    GTEST_SKIP() << "needs mpirun";
  liprt::Status s = liprt::dist::useNccl(nullptr, countWait, "libnccl-that-is-not-there.so.2");
  ASSERT_FALSE(s);
  EXPECT_THAT(s.message(),
              HasSubstr("needs NCCL, and libnccl-that-is-not-there.so.2 cannot be opened (its directory "
                        "belongs on LD_LIBRARY_PATH)"));
}

TEST(Distributed, AnNcclWithoutAveragesIsRefused) {
  if (ranks.size == 1)
    GTEST_SKIP() << "needs mpirun";
  setenv("FAKE_NCCL_VERSION", "20903", 1);
  liprt::Status s = liprt::dist::useNccl(nullptr, countWait, FAKE_NCCL_PATH);
  unsetenv("FAKE_NCCL_VERSION");
  ASSERT_FALSE(s);
  EXPECT_THAT(s.message(), HasSubstr("is NCCL 2.9.3: the gradients' mean (ncclAvg) needs 2.10 or later"));
}

// The real library, where installed, makes its id on rank 0 but cannot
// create a communicator without a GPU: every rank says so and none waits.
TEST(Distributed, TheRealNcclFailsClearlyWithoutAGpu) {
  if (ranks.size == 1)
    GTEST_SKIP() << "needs mpirun";
  if (!dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL))
    GTEST_SKIP() << "no libnccl.so.2";
  if (liprt::cuda::probe().usable)
    GTEST_SKIP() << "a GPU: NCCL would need one per rank";
  liprt::Status s = liprt::dist::useNccl(nullptr, countWait);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.message(), HasSubstr("ncclCommInitRank (rank " + std::to_string(ranks.rank) +
                                     " of 2) failed (NCCL 2."));
}

TEST(Distributed, NcclAveragesTheBuffersAndWaitsForThem) {
  if (ranks.size == 1)
    GTEST_SKIP() << "needs mpirun";
  ASSERT_TRUE(liprt::dist::useNccl(nullptr, countWait, FAKE_NCCL_PATH).isOk());
  EXPECT_EQ(liprt::dist::describeCollective(), "NCCL 2.12.34 on the GPUs");
  std::vector<float> data(6);
  for (int64_t i = 0; i < 6; ++i)
    data[i] = valueOf(ranks.rank, i);
  StridedMemRefType<float, 2> view{data.data(), data.data(), 0, {2, 3}, {3, 1}};
  waits = 0;
  reduce(view);
  EXPECT_EQ(waits, 1) << "the host reads the mean next: the engine waits for it";
  for (int64_t i = 0; i < 6; ++i)
    EXPECT_EQ(data[i], meanOf(i)) << "element " << i << " on rank " << ranks.rank;
  // A strided view goes through the host once the device is done.
  std::vector<float> rows(2 * 5);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 3; ++c)
      rows[r * 5 + c] = valueOf(ranks.rank, r * 3 + c);
  StridedMemRefType<float, 2> strided{rows.data(), rows.data(), 0, {2, 3}, {5, 1}};
  waits = 0;
  reduce(strided);
  EXPECT_EQ(waits, 1);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 3; ++c)
      EXPECT_EQ(rows[r * 5 + c], meanOf(r * 3 + c)) << r << "," << c;
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
