//===- NcclAbiTest.cpp - The runtime's NCCL declarations against nccl.h ---===//
//
// runtime/src/NcclAbi.h declares what the runtime calls of NCCL instead of
// including nccl.h (the runtime builds without a CUDA toolkit). Where the
// toolkit's nccl.h is installed, this checks every value and layout against
// it, and the shape of each entry point.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/src/NcclAbi.h"

#include <nccl.h>

#include <gtest/gtest.h>

#include <type_traits>

namespace ncclabi = liprt::nccl_abi;

namespace {
TEST(NcclAbi, ValuesMatchTheHeader) {
  EXPECT_EQ(ncclabi::kSuccess, ncclSuccess);
  EXPECT_EQ(ncclabi::kFloat32, ncclFloat32);
  EXPECT_EQ(ncclabi::kAverage, ncclAvg);
  EXPECT_EQ(ncclabi::kOldestWithAverage, NCCL_VERSION(2, 10, 0));
  EXPECT_EQ(sizeof(ncclabi::UniqueId), sizeof(ncclUniqueId));
  EXPECT_EQ(sizeof(ncclabi::Result), sizeof(ncclResult_t));
  EXPECT_EQ(sizeof(int), sizeof(ncclDataType_t));
  EXPECT_EQ(sizeof(int), sizeof(ncclRedOp_t));
  EXPECT_EQ(sizeof(ncclabi::Stream), sizeof(cudaStream_t));
}

/// The C function `F` has the parameters of `Declared` when each of F's
/// parameter and result types has the size of Declared's: they are ints,
/// enums and pointers, passed the same way on x86-64 at equal size.
template <typename F, typename Declared> struct SameShape;
template <typename R, typename... A, typename DR, typename... DA>
struct SameShape<R (*)(A...), DR (*)(DA...)> {
  static constexpr bool value =
      sizeof...(A) == sizeof...(DA) && sizeof(R) == sizeof(DR) && ((sizeof(A) == sizeof(DA)) && ...);
};

TEST(NcclAbi, EntryPointsHaveTheDeclaredShapes) {
  EXPECT_TRUE((SameShape<decltype(&ncclGetVersion), ncclabi::GetVersion>::value));
  EXPECT_TRUE((SameShape<decltype(&ncclGetUniqueId), ncclabi::GetUniqueId>::value));
  EXPECT_TRUE((SameShape<decltype(&ncclCommInitRank), ncclabi::CommInitRank>::value));
  EXPECT_TRUE((SameShape<decltype(&ncclAllReduce), ncclabi::AllReduce>::value));
  EXPECT_TRUE((SameShape<decltype(&ncclCommDestroy), ncclabi::CommEnd>::value));
  EXPECT_TRUE((SameShape<decltype(&ncclCommAbort), ncclabi::CommEnd>::value));
  EXPECT_TRUE((SameShape<decltype(&ncclGetErrorString), ncclabi::GetErrorString>::value));
  EXPECT_TRUE((SameShape<decltype(&ncclGetLastError), ncclabi::GetLastError>::value));
}
} // namespace
