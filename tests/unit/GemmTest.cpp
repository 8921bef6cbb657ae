//===- GemmTest.cpp - The runtime's liprt_sgemm ---------------------------===//
//
// The matrix products compiled steps call (runtime/src/Gemm.cpp): every
// transpose combination, accumulation into C, row-major views with a leading
// dimension (oneDNN or OpenBLAS) and column-major views (the loop), against
// a double reference, and products asked for in bf16. ctest runs these
// cases three times: with oneDNN where it loads, with LIPRT_GEMM=openblas,
// and with LIPRT_BF16=off (a processor without bf16 instructions).
//
//===----------------------------------------------------------------------===//

#include "liprt/Gemm.h"
#include "liprt/OneDnn.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <random>
#include <vector>

using Matrix2D = liprt::F32Memref<2>;
using Matrix3D = liprt::F32Memref<3>;

namespace {
/// A rows x cols view into `storage`, row-major with leading dimension `ld`
/// or, if `columnMajor`, column-major.
Matrix2D view(std::vector<float> &storage, int64_t rows, int64_t cols, int64_t ld,
              bool columnMajor = false) {
  Matrix2D m{storage.data(), storage.data(), 1, {rows, cols}, {ld, 1}};
  if (columnMajor) {
    m.strides[0] = 1;
    m.strides[1] = ld;
  }
  return m;
}

float at(const Matrix2D &m, int64_t i, int64_t j) {
  return m.data[m.offset + i * m.strides[0] + j * m.strides[1]];
}

/// C + op(A) op(B) in double.
std::vector<double> reference(const Matrix2D &a, const Matrix2D &b, const Matrix2D &c, bool transposeA,
                              bool transposeB) {
  int64_t m = c.sizes[0], n = c.sizes[1], k = transposeA ? a.sizes[0] : a.sizes[1];
  std::vector<double> expected(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = at(c, i, j);
      for (int64_t p = 0; p < k; ++p)
        sum += double(transposeA ? at(a, p, i) : at(a, i, p)) *
               double(transposeB ? at(b, j, p) : at(b, p, j));
      expected[i * n + j] = sum;
    }
  return expected;
}

void expectEqual(const Matrix2D &c, const std::vector<double> &expected, double tolerance = 1e-5) {
  for (int64_t i = 0; i < c.sizes[0]; ++i)
    for (int64_t j = 0; j < c.sizes[1]; ++j)
      EXPECT_NEAR(at(c, i, j), expected[i * c.sizes[1] + j], tolerance) << "at (" << i << ", " << j << ")";
}

std::vector<float> randomFloats(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> v(size);
  for (float &x : v)
    x = uniform(rng);
  return v;
}

void checkProduct(bool transposeA, bool transposeB, bool columnMajor) {
  const int64_t m = 5, n = 7, k = 3, ld = 9;
  std::vector<float> aData = randomFloats(1 + ld * 9, 1), bData = randomFloats(1 + ld * 9, 2),
                     cData = randomFloats(1 + ld * 9, 3);
  Matrix2D a = transposeA ? view(aData, k, m, ld, columnMajor) : view(aData, m, k, ld, columnMajor);
  Matrix2D b = transposeB ? view(bData, n, k, ld, columnMajor) : view(bData, k, n, ld, columnMajor);
  Matrix2D c = view(cData, m, n, ld, columnMajor);
  std::vector<double> expected = reference(a, b, c, transposeA, transposeB);
  _mlir_ciface_liprt_sgemm(&a, &b, &c, transposeA, transposeB, 1, 0);
  expectEqual(c, expected);
}

TEST(GemmTest, RowMajorWithLeadingDimension) {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      checkProduct(ta, tb, /*columnMajor=*/false);
}

TEST(GemmTest, ColumnMajorViews) {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      checkProduct(ta, tb, /*columnMajor=*/true);
}

// liprt_ssyrk, which -lip-matmul-to-blas calls for an overwriting X X^T or
// X^T X: the double product whatever C held (NaN included), row-major with
// a leading dimension (OpenBLAS's ssyrk), column-major (the loop) and with
// an empty inner dimension (zeros).
TEST(GemmTest, GramProductsBySyrk) {
  const int64_t rows = 6, cols = 11, ld = 13;
  for (bool transposed : {false, true})
    for (bool columnMajor : {false, true}) {
      std::vector<float> xData = randomFloats(1 + ld * ld, 4);
      std::vector<float> cData(1 + ld * ld, std::nanf("")), zeros(1 + ld * ld, 0.0f);
      Matrix2D x = view(xData, rows, cols, ld, columnMajor);
      int64_t n = transposed ? cols : rows;
      Matrix2D c = view(cData, n, n, ld, columnMajor), cleared = view(zeros, n, n, ld, columnMajor);
      std::vector<double> expected = reference(x, x, cleared, transposed, !transposed);
      _mlir_ciface_liprt_ssyrk(&x, &c, transposed);
      SCOPED_TRACE(testing::Message() << "transposed " << transposed << ", column-major "
                                      << columnMajor);
      expectEqual(c, expected);
    }
  std::vector<float> empty(1), c{1, 2, 3, 4, 5};
  Matrix2D xv = view(empty, 2, 0, 1), cv = view(c, 2, 2, 2);
  _mlir_ciface_liprt_ssyrk(&xv, &cv, 0);
  EXPECT_EQ(c, (std::vector<float>{1, 0, 0, 0, 0})) << "c[0] is outside the view (offset 1)";
}

// sgemm with one operand on both sides (a Gram product that accumulates)
// is an ordinary product: symmetric C or not.
TEST(GemmTest, AccumulatingGramProductsAreProducts) {
  const int64_t rows = 6, cols = 11, ld = 13;
  for (bool transposed : {false, true}) {
    std::vector<float> xData = randomFloats(1 + ld * ld, 4), cData = randomFloats(1 + ld * ld, 9);
    Matrix2D x = view(xData, rows, cols, ld);
    int64_t n = transposed ? cols : rows;
    Matrix2D c = view(cData, n, n, ld);
    std::vector<double> expected = reference(x, x, c, transposed, !transposed);
    _mlir_ciface_liprt_sgemm(&x, &x, &c, transposed, !transposed, 1, 0);
    SCOPED_TRACE(testing::Message() << "transposed " << transposed);
    expectEqual(c, expected);
  }
}

// Products large enough to be shared out among threads (three threads, a
// row count that 16-row bands do not divide; every transpose): the double
// product, and the same floats for the same thread count every time. With
// OpenBLAS, where the rows are banded (A not transposed), the same floats
// as one thread gives; A^T B stays one multi-threaded OpenBLAS call, whose
// bits may depend on the thread count (they do with OpenBLAS 0.3.21's
// kernels on an AMD Zen 4), and so may oneDNN's.
TEST(GemmTest, LargeProductsInRowBands) {
  const int64_t m = 301, n = 260, k = 250, ld = 310;
  int before = omp_get_max_threads();
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      std::vector<float> aData = randomFloats(ld * ld, 5), bData = randomFloats(ld * ld, 6);
      Matrix2D a = ta ? view(aData, k, m, ld) : view(aData, m, k, ld);
      Matrix2D b = tb ? view(bData, n, k, ld) : view(bData, k, n, ld);
      std::vector<float> banded = randomFloats(ld * ld, 7), again = banded, single = banded;
      Matrix2D c = view(banded, m, n, ld), c3 = view(again, m, n, ld), c1 = view(single, m, n, ld);
      std::vector<double> expected = reference(a, b, c, ta, tb);
      omp_set_num_threads(3);
      _mlir_ciface_liprt_sgemm(&a, &b, &c, ta, tb, 1, 0);
      _mlir_ciface_liprt_sgemm(&a, &b, &c3, ta, tb, 1, 0);
      omp_set_num_threads(1);
      _mlir_ciface_liprt_sgemm(&a, &b, &c1, ta, tb, 1, 0);
      SCOPED_TRACE(testing::Message() << "transposeA " << ta << ", transposeB " << tb);
      expectEqual(c, expected, 1e-4); // float sums of 250 products of magnitude up to 1
      expectEqual(c1, expected, 1e-4);
      EXPECT_EQ(banded, again);
      if (!ta && !liprt::onednn::active())
        EXPECT_EQ(banded, single);
    }
  omp_set_num_threads(before);
}

// accumulate = 0: C = op(A) op(B) whatever C held (NaN included), in every
// path: BLAS, one operand on both sides, the strided loop, an empty inner
// dimension.
TEST(GemmTest, OverwritingProductsIgnoreC) {
  const int64_t m = 5, n = 7, k = 3, ld = 9;
  for (bool columnMajor : {false, true}) {
    std::vector<float> aData = randomFloats(1 + ld * 9, 1), bData = randomFloats(1 + ld * 9, 2);
    std::vector<float> cData(1 + ld * 9, std::nanf("")), zeros(1 + ld * 9, 0.0f);
    Matrix2D a = view(aData, m, k, ld, columnMajor), b = view(bData, k, n, ld, columnMajor);
    Matrix2D c = view(cData, m, n, ld, columnMajor), cleared = view(zeros, m, n, ld, columnMajor);
    std::vector<double> expected = reference(a, b, cleared, false, false);
    _mlir_ciface_liprt_sgemm(&a, &b, &c, 0, 0, 0, 0);
    SCOPED_TRACE(testing::Message() << "column-major " << columnMajor);
    expectEqual(c, expected);
  }
  std::vector<float> xData = randomFloats(1 + ld * ld, 4), gram(1 + ld * ld, std::nanf(""));
  std::vector<float> zeros(1 + ld * ld, 0.0f);
  Matrix2D x = view(xData, 6, 11, ld), g = view(gram, 6, 6, ld), cleared = view(zeros, 6, 6, ld);
  std::vector<double> expected = reference(x, x, cleared, false, true);
  _mlir_ciface_liprt_sgemm(&x, &x, &g, 0, 1, 0, 0);
  expectEqual(g, expected);
  std::vector<float> empty(1), c{1, 2, 3, 4, 5};
  Matrix2D av = view(empty, 2, 0, 1), bv = view(empty, 0, 2, 2), cv = view(c, 2, 2, 2);
  _mlir_ciface_liprt_sgemm(&av, &bv, &cv, 0, 0, 0, 0);
  EXPECT_EQ(c, (std::vector<float>{1, 0, 0, 0, 0})) << "c[0] is outside the view (offset 1)";
}

TEST(GemmTest, BatchedProductsAreOnePerLeadingIndex) {
  // A [3, 2, 4] x B^T with B [3, 5, 4]: C[i] = A[i] B[i]^T.
  std::vector<float> a(3 * 2 * 4), b(3 * 5 * 4), c(3 * 2 * 5, 0.5f);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = 0.25f * static_cast<float>(i % 7) - 0.5f;
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = 0.125f * static_cast<float>(i % 5) + 0.1f;
  Matrix3D av{a.data(), a.data(), 0, {3, 2, 4}, {8, 4, 1}};
  Matrix3D bv{b.data(), b.data(), 0, {3, 5, 4}, {20, 4, 1}};
  Matrix3D cv{c.data(), c.data(), 0, {3, 2, 5}, {10, 5, 1}};
  _mlir_ciface_liprt_sgemm_batched(&av, &bv, &cv, 0, 1, 1, 0);
  for (int i = 0; i < 3; ++i)
    for (int r = 0; r < 2; ++r)
      for (int col = 0; col < 5; ++col) {
        double expected = 0.5;
        for (int p = 0; p < 4; ++p)
          expected += double(a[i * 8 + r * 4 + p]) * double(b[i * 20 + col * 4 + p]);
        EXPECT_NEAR(c[i * 10 + r * 5 + col], expected, 1e-5) << i << "," << r << "," << col;
      }
}

// The backend is oneDNN where libdnnl.so.2 loads, unless LIPRT_GEMM says
// openblas; the training log's line names it and, for OpenBLAS, why.
TEST(GemmTest, BackendIsTheOneChosen) {
  const char *choice = std::getenv("LIPRT_GEMM");
  std::string line = liprt::onednn::describe();
  if (choice && std::string(choice) == "openblas") {
    EXPECT_FALSE(liprt::onednn::active());
    EXPECT_EQ(line, "OpenBLAS (oneDNN not used: LIPRT_GEMM=openblas)");
    return;
  }
  if (!dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL)) {
    EXPECT_FALSE(liprt::onednn::active());
    GTEST_SKIP() << "no libdnnl.so.2 here: " << line;
  }
  EXPECT_TRUE(liprt::onednn::active());
  EXPECT_EQ(line.rfind("oneDNN ", 0), 0u) << line;
}

// oneDNN declines a beta other than 0 and 1 (OpenBLAS computes those).
TEST(GemmTest, OneDnnDeclinesOtherBetas) {
  std::vector<float> a = randomFloats(64 * 64, 8), b = randomFloats(64 * 64, 9), c(64 * 64);
  EXPECT_FALSE(liprt::onednn::sgemm(false, false, 64, 64, 64, 1.0f, a.data(), 64, b.data(), 64,
                                    0.5f, c.data(), 64, false));
  EXPECT_EQ(liprt::onednn::sgemm(false, false, 64, 64, 64, 1.0f, a.data(), 64, b.data(), 64, 0.0f,
                                 c.data(), 64, false),
            liprt::onednn::active());
}

// Inside a parallel region each thread runs its own products at once (the
// attention kernels' per-head products): C = alpha A B^T + C, each thread
// on its own matrices, several rounds, each against the double reference.
TEST(GemmTest, OneDnnRunsEachThreadsProductsAtOnce) {
  if (!liprt::onednn::active())
    GTEST_SKIP() << liprt::onednn::describe();
  const int threads = 2, rounds = 20;
  const int64_t m = 64, n = 96, k = 48;
  const float alpha = 0.25f;
  std::vector<std::vector<float>> as, bs, cs;
  std::vector<std::vector<double>> expected;
  for (int t = 0; t < threads; ++t) {
    as.push_back(randomFloats(m * k, 20 + t));
    bs.push_back(randomFloats(n * k, 30 + t));
    cs.push_back(randomFloats(m * n, 40 + t));
    std::vector<double> e(m * n);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double dot = 0;
        for (int64_t p = 0; p < k; ++p)
          dot += double(as[t][i * k + p]) * double(bs[t][j * k + p]);
        e[i * n + j] = cs[t][i * n + j] + rounds * double(alpha) * dot;
      }
    expected.push_back(e);
  }
  int taken = 0;
#pragma omp parallel num_threads(threads) reduction(+ : taken)
  {
    const int t = omp_get_thread_num();
    for (int r = 0; r < rounds; ++r)
      taken += liprt::onednn::sgemm(false, true, m, n, k, alpha, as[t].data(), k, bs[t].data(), k,
                                    1.0f, cs[t].data(), n, false);
  }
  EXPECT_EQ(taken, threads * rounds);
  for (int t = 0; t < threads; ++t) {
    Matrix2D c = view(cs[t], m, n, n);
    c.offset = 0;
    expectEqual(c, expected[t], 1e-4);
  }
}

// A thread's primitive for a shape keeps its memory objects from call to
// call: each call's own matrices must be the ones read and written.
TEST(GemmTest, OneDnnProductsOfOneShapeUseEachCallsMatrices) {
  if (!liprt::onednn::active())
    GTEST_SKIP() << liprt::onednn::describe();
  const int64_t m = 33, n = 17, k = 29;
  for (unsigned call = 0; call < 3; ++call) {
    std::vector<float> aData = randomFloats(m * k, 50 + call), bData = randomFloats(k * n, 60 + call),
                       cData = randomFloats(m * n, 70 + call);
    Matrix2D a = view(aData, m, k, k), b = view(bData, k, n, n), c = view(cData, m, n, n);
    a.offset = b.offset = c.offset = 0;
    std::vector<double> expected = reference(a, b, c, false, false);
    ASSERT_TRUE(liprt::onednn::sgemm(false, false, m, n, k, 1.0f, aData.data(), k, bData.data(), n,
                                     1.0f, cData.data(), n, false));
    expectEqual(c, expected);
  }
}

/// `x` rounded to bf16 (to nearest even), as a float.
float roundedToBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  bits = (bits + 0x7fff + ((bits >> 16) & 1)) & 0xffff0000u;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// A product asked for in bf16 (bf16 = 1): where bf16 runs, it is the
// product of the operands rounded to bf16, summed in float32 (within float
// rounding of the double product of the rounded operands), so within
// about 2^-8 relative of the float32 product and not equal to it; where it
// does not run, it is the float32 product bit for bit.
TEST(GemmTest, Bf16ProductsRoundOperandsAndAccumulateInFloat) {
  const int64_t m = 301, n = 260, k = 250, ld = 310;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      std::vector<float> aData = randomFloats(ld * ld, 11), bData = randomFloats(ld * ld, 12);
      std::vector<float> aRounded = aData, bRounded = bData;
      for (float &x : aRounded)
        x = roundedToBf16(x);
      for (float &x : bRounded)
        x = roundedToBf16(x);
      Matrix2D a = ta ? view(aData, k, m, ld) : view(aData, m, k, ld);
      Matrix2D b = tb ? view(bData, n, k, ld) : view(bData, k, n, ld);
      Matrix2D aR = ta ? view(aRounded, k, m, ld) : view(aRounded, m, k, ld);
      Matrix2D bR = tb ? view(bRounded, n, k, ld) : view(bRounded, k, n, ld);
      std::vector<float> bf16(ld * ld, 0.0f), f32(ld * ld, 0.0f);
      Matrix2D c = view(bf16, m, n, ld), c32 = view(f32, m, n, ld);
      std::vector<double> ofRounded = reference(aR, bR, c, ta, tb);
      std::vector<double> exact = reference(a, b, c, ta, tb);
      _mlir_ciface_liprt_sgemm(&a, &b, &c, ta, tb, 0, 1);
      _mlir_ciface_liprt_sgemm(&a, &b, &c32, ta, tb, 0, 0);
      SCOPED_TRACE(testing::Message() << "transposeA " << ta << ", transposeB " << tb);
      if (!liprt::onednn::bf16Active()) {
        EXPECT_EQ(bf16, f32) << liprt::onednn::describeBf16();
        continue;
      }
      EXPECT_NE(bf16, f32) << "bf16 was asked for and is active, but the product is float32's";
      expectEqual(c, ofRounded, 1e-4);
      // Each operand moves by at most 2^-9 relative, a product by about
      // 2^-8: over 250 terms of magnitude up to 1, at most 250 * 2^-8.
      double worst = 0;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          worst = std::max(worst, std::abs(at(c, i, j) - exact[i * n + j]));
      EXPECT_LT(worst, k * std::ldexp(1.0, -8));
      EXPECT_GT(worst, 1e-4) << "the operands were not rounded";
    }
}

// The log's line for products asked for in bf16: bf16 where the processor
// reports AVX512-BF16 or AMX-BF16 and oneDNN runs, float32 with the
// reason elsewhere (LIPRT_BF16=off stands for a processor without them).
TEST(GemmTest, Bf16RunsWhereTheProcessorHasIt) {
  const char *gemm = std::getenv("LIPRT_GEMM"), *bf16 = std::getenv("LIPRT_BF16");
  std::string line = liprt::onednn::describeBf16();
  __builtin_cpu_init();
  bool processor = __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
  if (bf16 && std::string(bf16) == "off")
    EXPECT_EQ(line, "float32 (bf16 not used: LIPRT_BF16=off)");
  else if (!liprt::onednn::active())
    EXPECT_EQ(line, "float32 (bf16 not used: oneDNN is not used)") << (gemm ? gemm : "");
  else if (!processor)
    EXPECT_EQ(line, "float32 (bf16 not used: this processor reports neither AVX512-BF16 nor "
                    "AMX-BF16)");
  else
    EXPECT_EQ(line.rfind("bf16 operands, float32 accumulation (oneDNN ", 0), 0u) << line;
  EXPECT_EQ(liprt::onednn::bf16Active(), line.rfind("bf16", 0) == 0);
}

TEST(GemmTest, EmptyInnerDimensionLeavesC) {
  std::vector<float> a(1), b(1), c{1, 2, 3, 4};
  Matrix2D av = view(a, 2, 0, 1), bv = view(b, 0, 2, 2), cv = view(c, 2, 2, 2);
  cv.offset = 0;
  _mlir_ciface_liprt_sgemm(&av, &bv, &cv, 0, 0, 1, 0);
  EXPECT_EQ(c, (std::vector<float>{1, 2, 3, 4}));
}
} // namespace
