//===- CudaLibrariesAbiTest.cpp - The runtime's NCCL and cuBLAS declarations ===//
//
// runtime/src/NcclAbi.h and CublasAbi.h declare what the runtime calls of
// NCCL and cuBLAS instead of including their headers (the runtime builds
// without a CUDA toolkit). Where the toolkit's headers are installed, this
// checks every value and layout against them, and the shape of each entry
// point.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/src/CublasAbi.h"
#include "../../runtime/src/NcclAbi.h"

#include <cublas_api.h>
#include <nccl.h>

#include <gtest/gtest.h>

#include <type_traits>

namespace ncclabi = liprt::nccl_abi;
namespace cublasabi = liprt::cublas_abi;

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
TEST(CublasAbi, ValuesMatchTheHeader) {
  EXPECT_EQ(cublasabi::kSuccess, CUBLAS_STATUS_SUCCESS);
  EXPECT_EQ(cublasabi::kOpN, CUBLAS_OP_N);
  EXPECT_EQ(cublasabi::kOpT, CUBLAS_OP_T);
  EXPECT_EQ(cublasabi::kFloat32, CUDA_R_32F);
  EXPECT_EQ(cublasabi::kCompute32fFast16bf, CUBLAS_COMPUTE_32F_FAST_16BF);
  EXPECT_EQ(cublasabi::kCompute32fFastTf32, CUBLAS_COMPUTE_32F_FAST_TF32);
  EXPECT_EQ(cublasabi::kDefaultAlgorithm, CUBLAS_GEMM_DEFAULT);
  EXPECT_EQ(sizeof(cublasabi::Handle), sizeof(cublasHandle_t));
  EXPECT_EQ(sizeof(cublasabi::Stream), sizeof(cudaStream_t));
}

TEST(CublasAbi, EntryPointsHaveTheDeclaredShapes) {
  EXPECT_TRUE((SameShape<decltype(&cublasCreate_v2), cublasabi::Create>::value));
  EXPECT_TRUE((SameShape<decltype(&cublasSetStream_v2), cublasabi::SetStream>::value));
  EXPECT_TRUE((SameShape<decltype(&cublasSetWorkspace_v2), cublasabi::SetWorkspace>::value));
  EXPECT_TRUE((SameShape<decltype(&cublasSgemmStridedBatched), cublasabi::SgemmStridedBatched>::value));
  // The C entry point, not C++'s inline overload that takes a cudaDataType
  // as its compute type.
  using CGemmStridedBatchedEx =
      cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void *,
                         const void *, cudaDataType, int, long long, const void *, cudaDataType, int, long long,
                         const void *, void *, cudaDataType, int, long long, int, cublasComputeType_t,
                         cublasGemmAlgo_t);
  CGemmStridedBatchedEx stridedEx = &cublasGemmStridedBatchedEx;
  EXPECT_NE(stridedEx, nullptr);
  EXPECT_TRUE((SameShape<CGemmStridedBatchedEx, cublasabi::GemmStridedBatchedEx>::value));
}
} // namespace
