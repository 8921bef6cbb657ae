//===- harness.cpp - Generated GEMMs against OpenBLAS, shape by shape -----===//
//
// Links the objects bench/gemm/run.sh generates (one static-shape
// `mm_MxNxK`, C = A B, per shape) and times each against cblas_sgemm on
// the same buffers, alternating, 1 and 2 threads for OpenBLAS; checks that
// both compute the same product.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cblas.h>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

extern "C" void openblas_set_num_threads(int);

struct Memref2D {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};
using Generated = void (*)(Memref2D *, Memref2D *, Memref2D *);

#define SHAPE(M, N, K) extern "C" void _mlir_ciface_mm_##M##x##N##x##K(Memref2D *, Memref2D *, Memref2D *);
#include "shapes.inc"
#undef SHAPE

namespace {
Memref2D view(std::vector<float> &v, int64_t rows, int64_t cols) {
  return {v.data(), v.data(), 0, {rows, cols}, {cols, 1}};
}

template <typename F> double bestSeconds(F f, int repeats) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void measure(int64_t m, int64_t n, int64_t k, Generated generated) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> a(m * k), b(k * n), c1(m * n), c2(m * n);
  for (float &x : a) x = u(rng);
  for (float &x : b) x = u(rng);
  Memref2D av = view(a, m, k), bv = view(b, k, n), cv = view(c1, m, n);
  auto blas = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a.data(), k, b.data(), n, 0,
                c2.data(), n);
  };
  generated(&av, &bv, &cv);
  blas();
  double error = 0;
  for (int64_t i = 0; i < m * n; ++i)
    error = std::max(error, double(std::fabs(c1[i] - c2[i])));
  double flops = 2.0 * m * n * k, gen = 1e30, blas1 = 1e30, blas2 = 1e30;
  for (int round = 0; round < 3; ++round) {
    gen = std::min(gen, bestSeconds([&] { generated(&av, &bv, &cv); }, 5));
    openblas_set_num_threads(1);
    blas1 = std::min(blas1, bestSeconds(blas, 5));
    openblas_set_num_threads(2);
    blas2 = std::min(blas2, bestSeconds(blas, 5));
  }
  std::printf("%5lld %5lld %5lld %12.1f %12.1f %12.1f %10.2fx %9.1e\n", (long long)m, (long long)n,
              (long long)k, flops / gen / 1e9, flops / blas1 / 1e9, flops / blas2 / 1e9, blas1 / gen,
              error);
}
} // namespace

int main() {
  std::printf("%5s %5s %5s %12s %12s %12s %11s %9s\n", "M", "N", "K", "tiled GF/s", "blas-1 GF/s",
              "blas-2 GF/s", "tiled/blas1", "max diff");
#define SHAPE(M, N, K) measure(M, N, K, _mlir_ciface_mm_##M##x##N##x##K);
#include "shapes.inc"
#undef SHAPE
}
