//===- ExactCap.cpp - The exact spectral cap compiled steps call ----------===//
//
// `liprt_exact_cap` (liprt/ExactCap.h) caps every singular value of a weight
// at c: X' = U min(S, c) V^T. Through the eigendecomposition of the smaller
// Gram matrix G = Q diag(s^2) Q^T (LAPACK's dsyevd, in double precision),
// only the directions above the cap change:
//   X' = X - Q_c diag(1 - c/s_c) Q_c^T X     (X wide: G = X X^T)
//   X' = X - X Q_c diag(1 - c/s_c) Q_c^T     (X tall: G = X^T X)
// Rounding the result to float32 moves its spectral norm by at most
// 2^-24 |X'|_F <= 2^-24 sqrt(rank) c, so the cap aims that much lower
// (twice over): the stored weight's norm stays within c.
//
//===----------------------------------------------------------------------===//

#include "liprt/ExactCap.h"

#include <cblas.h>
#include <cstddef>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

using liprt::F32Memref;

// LAPACK's Fortran entry point; the trailing lengths are the hidden
// arguments gfortran passes for the two character arguments.
extern "C" void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                        double *w, double *work, const int *lwork, int *iwork, const int *liwork,
                        int *info, size_t jobzLength, size_t uploLength);

namespace {
/// The symmetric eigendecomposition of the n x n matrix `a`, given by its
/// upper triangle in row-major order (LAPACK's lower one in column-major):
/// `a` is overwritten by the eigenvectors, one per column in column-major
/// order, i.e. row k of the row-major array is eigenvector k, and `values`
/// gets the eigenvalues. False when LAPACK fails.
bool symmetricEigen(std::vector<double> &a, int n, std::vector<double> &values) {
  values.assign(n, 0.0);
  int lwork = -1, liwork = -1, info = 0, iworkSize = 0;
  double workSize = 0;
  dsyevd_("V", "L", &n, a.data(), &n, values.data(), &workSize, &lwork, &iworkSize, &liwork, &info,
          1, 1);
  // The workspace of a side of 32768 or more no longer fits LAPACK's int.
  if (info != 0 || !(workSize <= std::numeric_limits<int>::max()))
    return false;
  lwork = static_cast<int>(workSize);
  liwork = iworkSize;
  std::vector<double> work(lwork);
  std::vector<int> iwork(liwork);
  dsyevd_("V", "L", &n, a.data(), &n, values.data(), work.data(), &lwork, iwork.data(), &liwork,
          &info, 1, 1);
  return info == 0;
}
} // namespace

extern "C" void _mlir_ciface_liprt_exact_cap(F32Memref<2> *in, F32Memref<2> *out, double cap) {
  const int64_t rows = in->sizes[0], cols = in->sizes[1];
  const bool wide = rows <= cols;
  const int n = static_cast<int>(wide ? rows : cols);
  std::vector<double> x(rows * cols);
  const float *src = in->data + in->offset;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      x[i * cols + j] = src[i * in->strides[0] + j * in->strides[1]];

  std::vector<double> gram(static_cast<size_t>(n) * n, 0.0), lambda;
  cblas_dsyrk(CblasRowMajor, CblasUpper, wide ? CblasNoTrans : CblasTrans, n,
              static_cast<int>(wide ? cols : rows), 1.0, x.data(), static_cast<int>(cols), 0.0,
              gram.data(), n);
  bool ok = symmetricEigen(gram, n, lambda);
  const double target = cap * (1 - std::ldexp(std::sqrt(static_cast<double>(n)), -23));
  // P = Q_c diag(1 - c/s_c) Q_c^T over the eigenvectors above the cap.
  std::vector<double> p(static_cast<size_t>(n) * n, 0.0);
  for (int k = 0; ok && k < n; ++k) {
    double s = std::sqrt(std::max(lambda[k], 0.0));
    if (s <= target)
      continue;
    const double *q = &gram[static_cast<size_t>(k) * n];
    cblas_dger(CblasRowMajor, n, n, 1 - target / s, q, 1, q, 1, p.data(), n);
  }
  std::vector<double> capped = x;
  if (ok)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows),
                static_cast<int>(cols), n, -1.0, wide ? p.data() : x.data(),
                wide ? n : static_cast<int>(cols), wide ? x.data() : p.data(),
                wide ? static_cast<int>(cols) : n, 1.0, capped.data(), static_cast<int>(cols));
  else
    // A failed decomposition must not pass for a capped weight: NaN stops
    // the run at its finiteness check, before any checkpoint holds it.
    std::fprintf(stderr, "liprt: the exact cap's eigendecomposition failed (LAPACK dsyevd) on a "
                         "%lld x %lld weight\n",
                 static_cast<long long>(rows), static_cast<long long>(cols));
  float *dst = out->data + out->offset;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      dst[i * out->strides[0] + j * out->strides[1]] =
          ok ? static_cast<float>(capped[i * cols + j]) : std::numeric_limits<float>::quiet_NaN();
}
