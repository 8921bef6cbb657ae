//===- CudaTest.cpp - The CUDA driver loaded at run time ------------------===//
//
// runtime/src/Cuda.cpp: without a GPU (the build machines) the probe says
// why in one line and every GPU entry point fails cleanly into takeError();
// with one, a kernel JIT-compiled from PTX runs on device memory, values
// cross through the copies, a product of device buffers runs on cuBLAS,
// while host buffers always stay on the CPU, and managed memory is refused.
// The GPU cases are reported as skipped where there is none (the device
// memory's cache of blocks is tested on the host: BlockCacheTest).
//
//===----------------------------------------------------------------------===//

#include "liprt/Cuda.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" {
void *mgpuModuleLoadJIT(void *ptx, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void *mgpuStreamCreate();
void mgpuStreamSynchronize(void *stream);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                      intptr_t blockY, intptr_t blockZ, int32_t sharedBytes, void *stream, void **params,
                      void **extra, size_t paramCount);
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared);
void mgpuMemFree(void *pointer, void *stream);
}

namespace {
// p[i] += 1 for i < n, one thread per element (ptxas -arch=sm_90 accepts it).
char kAddOne[] = R"(.version 8.0
.target sm_90
.address_size 64
.visible .entry add_one(.param .u64 p, .param .u32 n)
{
  .reg .pred %p<2>;
  .reg .b32 %r<3>;
  .reg .b64 %rd<5>;
  .reg .f32 %f<3>;
  ld.param.u64 %rd1, [p];
  ld.param.u32 %r1, [n];
  mov.u32 %r2, %tid.x;
  setp.ge.u32 %p1, %r2, %r1;
  @%p1 bra DONE;
  cvta.to.global.u64 %rd2, %rd1;
  mul.wide.u32 %rd3, %r2, 4;
  add.s64 %rd4, %rd2, %rd3;
  ld.global.f32 %f1, [%rd4];
  add.f32 %f2, %f1, 0f3F800000;
  st.global.f32 [%rd4], %f2;
DONE:
  ret;
}
)";

TEST(CudaTest, ProbeNamesTheDeviceOrSaysWhyNot) {
  const liprt::cuda::Availability &a = liprt::cuda::probe();
  if (a.usable)
    EXPECT_FALSE(a.device.empty());
  else
    EXPECT_FALSE(a.reason.empty());
  EXPECT_EQ(&a, &liprt::cuda::probe()) << "probed once";
}

TEST(CudaTest, WithoutAGpuEveryEntryPointFailsCleanly) {
  if (liprt::cuda::probe().usable)
    GTEST_SKIP() << "a GPU is present: " << liprt::cuda::probe().device;
  EXPECT_EQ(mgpuModuleLoadJIT(kAddOne, 3), nullptr);
  liprt::Status first = liprt::cuda::takeError();
  ASSERT_FALSE(first.isOk());
  EXPECT_NE(first.message().find("without a usable GPU: " + liprt::cuda::probe().reason), std::string::npos)
      << first.message();
  EXPECT_TRUE(liprt::cuda::takeError().isOk()) << "the error is cleared once taken";
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "add_one"), nullptr);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(mgpuMemAlloc(64, nullptr, false), nullptr);
  EXPECT_EQ(liprt::cuda::allocate(64), nullptr);
  float host[2] = {1, 2};
  liprt::cuda::copyToDevice(host, host, sizeof(host));
  liprt::cuda::copyToHost(host, host, sizeof(host));
  EXPECT_EQ(host[1], 2.0f) << "nothing copied";
  EXPECT_FALSE(liprt::cuda::loadBlas().isOk());
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  mgpuStreamSynchronize(nullptr);
  mgpuMemFree(nullptr, nullptr);
  mgpuModuleUnload(nullptr);
  EXPECT_FALSE(liprt::cuda::takeError().isOk());
  EXPECT_FALSE(liprt::cuda::synchronize().isOk());
}

TEST(CudaTest, RunsAKernelFromPtxOnDeviceMemory) {
  if (!liprt::cuda::probe().usable)
    GTEST_SKIP() << "no GPU: " << liprt::cuda::probe().reason;
  void *module = mgpuModuleLoadJIT(kAddOne, 3);
  ASSERT_NE(module, nullptr) << liprt::cuda::takeError().message();
  EXPECT_EQ(mgpuModuleLoadJIT(kAddOne, 3), module) << "loaded once, then cached";
  void *function = mgpuModuleGetFunction(module, "add_one");
  ASSERT_NE(function, nullptr);
  constexpr uint32_t n = 100;
  float host[n];
  for (uint32_t i = 0; i < n; ++i)
    host[i] = static_cast<float>(i);
  void *data = mgpuMemAlloc(n * sizeof(float), nullptr, false);
  ASSERT_NE(data, nullptr) << liprt::cuda::takeError().message();
  liprt::cuda::copyToDevice(data, host, sizeof(host));
  uint32_t count = n;
  void *params[] = {&data, &count};
  void *stream = mgpuStreamCreate();
  mgpuLaunchKernel(function, 1, 1, 1, 128, 1, 1, 0, stream, params, nullptr, 2);
  mgpuLaunchKernel(function, 1, 1, 1, 128, 1, 1, 0, stream, params, nullptr, 2);
  liprt::cuda::copyToHost(host, data, sizeof(host)); // after both launches, on the same stream
  ASSERT_TRUE(liprt::cuda::takeError().isOk());
  for (uint32_t i = 0; i < n; ++i)
    EXPECT_EQ(host[i], static_cast<float>(i) + 2.0f) << "at " << i;
  mgpuMemFree(data, stream);
  EXPECT_EQ(mgpuMemAlloc(n * sizeof(float), nullptr, false), data) << "the freed block is reused";
  mgpuMemFree(data, stream);
  EXPECT_EQ(mgpuMemAlloc(64, nullptr, /*hostShared=*/true), nullptr);
  EXPECT_NE(liprt::cuda::takeError().message().find("managed memory"), std::string::npos);
}
} // namespace

namespace {
TEST(CudaTest, ProductsOfHostMemoryStayOnTheCpu) {
  float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, c[4] = {};
  EXPECT_FALSE(liprt::cuda::sgemm(false, false, 2, 2, 2, a, 2, b, 2, 1.0f, c, 2));
  EXPECT_EQ(c[0], 0.0f) << "nothing computed";
}

/// `values` in fresh device memory.
float *onDevice(const std::vector<float> &values) {
  auto *device = static_cast<float *>(liprt::cuda::allocate(values.size() * sizeof(float)));
  if (device)
    liprt::cuda::copyToDevice(device, values.data(), values.size() * sizeof(float));
  return device;
}

std::vector<float> toHost(const float *device, size_t count) {
  std::vector<float> values(count);
  liprt::cuda::copyToHost(values.data(), device, count * sizeof(float));
  return values;
}

TEST(CudaTest, ProductsOfDeviceMemoryRunOnCublas) {
  if (!liprt::cuda::probe().usable)
    GTEST_SKIP() << "no GPU: " << liprt::cuda::probe().reason;
  ASSERT_TRUE(liprt::cuda::loadBlas().isOk()) << liprt::cuda::loadBlas().message();
  // C (2x3) += A^T (2x4 from A 4x2) B (4x3), row-major, against a loop.
  std::vector<float> a(8), b(12), c(6, 1.0f);
  for (int i = 0; i < 8; ++i)
    a[i] = 0.5f * static_cast<float>(i) - 1.0f;
  for (int i = 0; i < 12; ++i)
    b[i] = 0.25f * static_cast<float>(i % 5);
  float *pa = onDevice(a), *pb = onDevice(b), *pc = onDevice(c);
  ASSERT_TRUE(pa && pb && pc) << liprt::cuda::takeError().message();
  ASSERT_TRUE(liprt::cuda::sgemm(true, false, 2, 3, 4, pa, 2, pb, 3, 1.0f, pc, 3));
  std::vector<float> product = toHost(pc, 6);
  ASSERT_TRUE(liprt::cuda::takeError().isOk());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      float expected = 1.0f;
      for (int p = 0; p < 4; ++p)
        expected += a[p * 2 + i] * b[p * 3 + j];
      EXPECT_NEAR(product[i * 3 + j], expected, 1e-5f) << i << "," << j;
    }
  for (float *p : {pa, pb, pc})
    liprt::cuda::release(p);
}

// A batch of products in one strided call (attention's per head): C_i =
// A_i B^T for three 2x4 A_i and one 3x4 B shared by all (batch stride 0),
// against a loop.
TEST(CudaTest, BatchedProductsRunAsOneStridedCall) {
  if (!liprt::cuda::probe().usable)
    GTEST_SKIP() << "no GPU: " << liprt::cuda::probe().reason;
  ASSERT_TRUE(liprt::cuda::loadBlas().isOk()) << liprt::cuda::loadBlas().message();
  std::vector<float> a(3 * 8), b(12), c(3 * 6, 0.0f);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = std::sin(0.7f * static_cast<float>(i));
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = std::cos(0.3f * static_cast<float>(i));
  float *pa = onDevice(a), *pb = onDevice(b), *pc = onDevice(c);
  ASSERT_TRUE(pa && pb && pc) << liprt::cuda::takeError().message();
  ASSERT_TRUE(liprt::cuda::sgemmBatched(false, true, 2, 3, 4, pa, 4, 8, pb, 4, 0, 0.0f, pc, 3, 6, 3));
  std::vector<float> product = toHost(pc, c.size());
  ASSERT_TRUE(liprt::cuda::takeError().isOk());
  for (int h = 0; h < 3; ++h)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) {
        float expected = 0;
        for (int p = 0; p < 4; ++p)
          expected += a[h * 8 + i * 4 + p] * b[j * 4 + p];
        EXPECT_NEAR(product[h * 6 + i * 3 + j], expected, 1e-5f) << h << ": " << i << "," << j;
      }
  for (float *p : {pa, pb, pc})
    liprt::cuda::release(p);
}

/// A product on the GPU with its operands rounded to `precision`, whose
/// unit roundoff is 2^-`bits`: relative error at most 2^-bits per operand,
/// sums in float32, so every element is within 2^-(bits-1) sum |a||b| of
/// the exact product (plus float32's own rounding).
void expectWithinRounding(lipc::abi::ProductPrecision precision, int bits) {
  constexpr int m = 64, n = 48, k = 256;
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (int i = 0; i < m * k; ++i)
    a[i] = std::sin(0.37f * static_cast<float>(i)) + 0.001f * static_cast<float>(i % 7);
  for (int i = 0; i < k * n; ++i)
    b[i] = std::cos(0.11f * static_cast<float>(i)) - 0.003f * static_cast<float>(i % 5);
  float *pa = onDevice(a), *pb = onDevice(b), *pc = onDevice(c);
  ASSERT_TRUE(pa && pb && pc) << liprt::cuda::takeError().message();
  ASSERT_TRUE(liprt::cuda::sgemm(false, false, m, n, k, pa, k, pb, n, 0.0f, pc, n, precision));
  std::vector<float> product = toHost(pc, m * n);
  ASSERT_TRUE(liprt::cuda::takeError().isOk());
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double exact = 0, magnitude = 0;
      for (int p = 0; p < k; ++p) {
        exact += static_cast<double>(a[i * k + p]) * b[p * n + j];
        magnitude += std::fabs(static_cast<double>(a[i * k + p]) * b[p * n + j]);
      }
      EXPECT_NEAR(product[i * n + j], exact, magnitude * (std::ldexp(1.0, 1 - bits) + 1e-6)) << i << "," << j;
    }
  for (float *p : {pa, pb, pc})
    liprt::cuda::release(p);
}

// --precision bf16 on the GPU: operands rounded to bf16 (unit roundoff 2^-8).
TEST(CudaTest, Bf16ProductsAreWithinBf16RoundingOfFloat32) {
  if (!liprt::cuda::probe().usable)
    GTEST_SKIP() << "no GPU: " << liprt::cuda::probe().reason;
  expectWithinRounding(lipc::abi::ProductPrecision::Bf16, 8);
}

// --precision tf32 on the GPU: operands rounded to TF32 (unit roundoff 2^-11).
TEST(CudaTest, Tf32ProductsAreWithinTf32RoundingOfFloat32) {
  if (!liprt::cuda::probe().usable)
    GTEST_SKIP() << "no GPU: " << liprt::cuda::probe().reason;
  expectWithinRounding(lipc::abi::ProductPrecision::Tf32, 11);
}
} // namespace
