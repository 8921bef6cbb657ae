//===- Attention.cpp - Fused attention kernels compiled steps call --------===//
//
// liprt/Attention.h's entry points. Per (batch, head), on one thread, and
// per block of query rows: the block's scores against the keys it sees
// (one sgemm), their softmax in place, then the value product (forward) or
// the five products of the backward. A block's scores (64 x tokens floats)
// stay in the cache; the step never holds a [batch, heads, tokens, tokens]
// tensor.
//
// The row loops are compiled for several x86-64 levels and chosen at load
// time by what the processor reports (target_clones); their reductions run
// in 16 fixed lanes, so the order of additions is the same on every level
// (whether a multiply and an add fuse may not be, as in OpenBLAS's kernels:
// results can differ in the last bits between processors, never between
// runs or thread counts on one).
//
//===----------------------------------------------------------------------===//

#include "liprt/Attention.h"
#include "liprt/OneDnn.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <new>
#include <vector>

using liprt::F32Memref;

namespace {
constexpr int64_t kQueryBlock = 64;
constexpr int kLanes = 16;

// Helpers inline into each clone, so they run on its vector units.
#define LIPRT_INLINE inline __attribute__((always_inline))
#define LIPRT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

/// e^x for x <= 0 (NaN stays NaN), within 2 ulp for x >= -87 (below, the
/// e^-87 of -87: about 1.6e-38, which a softmax sum does not see): x = n ln2
/// + r with |r| <= ln2/2, a degree-6 polynomial for e^r (Cephes' expf), 2^n
/// from the exponent bits. Branch-free, so loops over it vectorize.
LIPRT_INLINE float expNonPositive(float x) {
  x = x < -87.0f ? -87.0f : x;
  float n = std::fmax(std::nearbyint(x * 1.44269504088896341f), -126.0f);
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/// The largest of x[0..n) (-inf for none; NaNs are skipped here and
/// propagate through the exponentials).
LIPRT_INLINE float laneMax(const float *x, int64_t n) {
  float m[kLanes];
  std::fill(m, m + kLanes, -std::numeric_limits<float>::infinity());
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l)
      m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
  for (int l = 0; j < n; ++j, ++l)
    m[l] = x[j] > m[l] ? x[j] : m[l];
  float r = m[0];
  for (int l = 1; l < kLanes; ++l)
    r = m[l] > r ? m[l] : r;
  return r;
}

/// Sum of term(j) over j < n, in 16 lanes.
template <typename Term>
LIPRT_INLINE float laneSum(int64_t n, Term term) {
  float s[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l)
      s[l] += term(j + l);
  for (int l = 0; j < n; ++j, ++l)
    s[l] += term(j);
  float r = 0;
  for (int l = 0; l < kLanes; ++l)
    r += s[l];
  return r;
}

/// The number of keys query `query` sees among the first `keys`.
LIPRT_INLINE int64_t visibleKeys(int64_t query, int64_t keys, bool causal) {
  return causal ? std::min(keys, query + 1) : keys;
}

/// Turns each row of the rows x cols block `s` of scaled scores c q.k into
/// softmax(row) over the keys its query (firstQuery + i) sees; the other
/// entries become 0. The passes run over whole groups of 16 keys: the
/// masked keys of a row's last group count as -inf (their e^-87 cannot
/// change a sum of at least 1) and are zeroed with the rest at the end.
LIPRT_CLONES void softmaxRows(float *s, int64_t rows, int64_t cols, int64_t firstQuery,
                              bool causal) {
  for (int64_t i = 0; i < rows; ++i) {
    float *row = s + i * cols;
    const int64_t keys = visibleKeys(firstQuery + i, cols, causal);
    const int64_t groups = std::min(cols, (keys + kLanes - 1) / kLanes * kLanes);
    std::fill(row + keys, row + groups, -std::numeric_limits<float>::infinity());
    const float max = laneMax(row, groups);
    const float sum =
        laneSum(groups, [&](int64_t j) { return row[j] = expNonPositive(row[j] - max); });
    const float normalize = 1.0f / sum;
    for (int64_t j = 0; j < groups; ++j)
      row[j] *= normalize;
    std::fill(row + keys, row + cols, 0.0f);
  }
}

/// dS = P * (dP - rowsum(P * dP)) in place of dP, row by row (P is zero
/// beyond each row's keys, and so is dS).
LIPRT_CLONES void softmaxBackwardRows(const float *p, float *dp, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *pRow = p + i * cols;
    float *dRow = dp + i * cols;
    float dot = laneSum(cols, [&](int64_t j) { return pRow[j] * dRow[j]; });
    for (int64_t j = 0; j < cols; ++j)
      dRow[j] = pRow[j] * (dRow[j] - dot);
  }
}

#undef LIPRT_CLONES
#undef LIPRT_INLINE

/// One head's [tokens, head_dim] matrix: rows `ld` floats apart, unit
/// stride along head_dim (what cblas takes).
struct HeadMatrix {
  float *data;
  int ld;
  float *row(int64_t t) const { return data + t * ld; }
};

/// A [batch, tokens, heads, head_dim] operand seen as one HeadMatrix per
/// (batch, head). A view without unit stride along head_dim, or with rows
/// closer than head_dim, is copied to a dense buffer first; for an output,
/// the dense buffer is copied back by finish().
class Heads {
public:
  Heads(F32Memref<4> &m, bool output) : view(m), output(output) {
    const int64_t tokens = m.sizes[1], heads = m.sizes[2], dim = m.sizes[3];
    bool unitDim = m.strides[3] == 1 || dim == 1;
    bool rowsApart = tokens == 1 || (m.strides[1] >= dim && m.strides[1] <= INT32_MAX);
    if (unitDim && rowsApart) {
      base = m.data + m.offset;
      batchStride = m.strides[0];
      headStride = m.strides[2];
      ld = static_cast<int>(tokens == 1 ? std::max<int64_t>(dim, 1) : m.strides[1]);
      return;
    }
    dense.resize(m.sizes[0] * tokens * heads * dim);
    if (!output)
      forEach([&](float &x, int64_t i) { dense[i] = x; });
    base = dense.data();
    batchStride = tokens * heads * dim;
    headStride = dim;
    ld = static_cast<int>(heads * dim);
  }

  HeadMatrix at(int64_t b, int64_t h) const {
    return {base + b * batchStride + h * headStride, ld};
  }

  void finish() {
    if (output && !dense.empty())
      forEach([&](float &x, int64_t i) { x = dense[i]; });
  }

private:
  /// Calls f(element, index in the dense order) for every element of the view.
  template <typename F>
  void forEach(F f) {
    int64_t i = 0;
    for (int64_t b = 0; b < view.sizes[0]; ++b)
      for (int64_t t = 0; t < view.sizes[1]; ++t)
        for (int64_t h = 0; h < view.sizes[2]; ++h)
          for (int64_t e = 0; e < view.sizes[3]; ++e, ++i)
            f(view.data[view.offset + b * view.strides[0] + t * view.strides[1] +
                           h * view.strides[2] + e * view.strides[3]],
              i);
  }

  F32Memref<4> &view;
  bool output;
  std::vector<float> dense;
  float *base = nullptr;
  int64_t batchStride = 0, headStride = 0;
  int ld = 1;
};

/// The shape and scalars every head shares.
struct Problem {
  int64_t batch, tokens, heads, dim;
  bool causal;
  float scale, factor; // c = logit_scale / head_dim, f = output_factor

  /// Whether cblas's int arguments hold every extent and leading dimension
  /// (Heads copies views whose rows are further apart than that).
  bool fitsBlas() const { return tokens <= INT_MAX && heads * dim <= INT_MAX; }
};

/// The problem of a query `q` and the kernels' scalar arguments.
Problem problemOf(const F32Memref<4> &q, int32_t causal, double logitScale, double outputFactor) {
  return {q.sizes[0], q.sizes[1], q.sizes[2], q.sizes[3], causal != 0,
          static_cast<float>(logitScale / static_cast<double>(q.sizes[3])),
          static_cast<float>(outputFactor)};
}

/// C = alpha op(A) op(B) + beta C, row-major, single-threaded (called on
/// one OpenMP thread per head: oneDNN then runs it on that thread, and
/// OpenBLAS's OpenMP build, where oneDNN is not used, too).
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
          int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (liprt::onednn::sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                           /*bf16=*/false))
    return;
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, lda, b, ldb,
              beta, c, ldc);
}

/// The query blocks of one head: f(first query, rows, keys seen by the block).
template <typename F>
void forEachQueryBlock(const Problem &p, F f) {
  for (int64_t first = 0; first < p.tokens; first += kQueryBlock) {
    int64_t rows = std::min(kQueryBlock, p.tokens - first);
    f(first, rows, p.causal ? first + rows : p.tokens);
  }
}

/// The attention weights of one query block: P = softmax(c Q_blk K^T) in
/// `s` (rows x keys).
void blockWeights(const Problem &p, HeadMatrix q, HeadMatrix k, int64_t first, int64_t rows,
                  int64_t keys, float *s) {
  gemm(false, true, rows, keys, p.dim, p.scale, q.row(first), q.ld, k.data, k.ld, 0.0f, s,
       static_cast<int>(keys));
  softmaxRows(s, rows, keys, first, p.causal);
}

/// out = f P v for one head, a block of queries at a time, scores in `s`.
void headForward(const Problem &p, HeadMatrix q, HeadMatrix k, HeadMatrix v, HeadMatrix out,
                 float *s) {
  forEachQueryBlock(p, [&](int64_t first, int64_t rows, int64_t keys) {
    blockWeights(p, q, k, first, rows, keys, s);
    gemm(false, false, rows, p.dim, keys, p.factor, s, static_cast<int>(keys), v.data, v.ld, 0.0f,
         out.row(first), out.ld);
  });
}

void zeroRows(HeadMatrix m, int64_t tokens, int64_t dim) {
  for (int64_t t = 0; t < tokens; ++t)
    std::fill(m.row(t), m.row(t) + dim, 0.0f);
}

/// dq, dk, dv of one head, a block of queries at a time, scores and their
/// gradient in `s` and `ds`: a block's dq rows are complete after the
/// block; dk and dv accumulate over the blocks that see each key.
void headBackward(const Problem &p, HeadMatrix q, HeadMatrix k, HeadMatrix v, HeadMatrix dy,
                  HeadMatrix dq, HeadMatrix dk, HeadMatrix dv, float *s, float *ds) {
  zeroRows(dk, p.tokens, p.dim);
  zeroRows(dv, p.tokens, p.dim);
  forEachQueryBlock(p, [&](int64_t first, int64_t rows, int64_t keys) {
    const int ldS = static_cast<int>(keys);
    blockWeights(p, q, k, first, rows, keys, s);
    gemm(false, true, rows, keys, p.dim, p.factor, dy.row(first), dy.ld, v.data, v.ld, 0.0f, ds,
         ldS);
    gemm(true, false, keys, p.dim, rows, p.factor, s, ldS, dy.row(first), dy.ld, 1.0f, dv.data,
         dv.ld);
    softmaxBackwardRows(s, ds, rows, keys);
    gemm(false, false, rows, p.dim, keys, p.scale, ds, ldS, k.data, k.ld, 0.0f, dq.row(first),
         dq.ld);
    gemm(true, false, keys, p.dim, rows, p.scale, ds, ldS, q.row(first), q.ld, 1.0f, dk.data,
         dk.ld);
  });
}

/// Runs f(b, h, scores, scratch) for every head, heads shared out among
/// the OpenMP threads, each with its own two score blocks (allocated here,
/// before the parallel region, which an exception must not leave).
template <typename F>
void forEachHead(const Problem &p, F f) {
  const int64_t count = p.batch * p.heads, block = kQueryBlock * p.tokens;
  const int threads = omp_get_max_threads();
  std::vector<float> scratch(static_cast<size_t>(2 * block) * threads);
#pragma omp parallel num_threads(threads)
  {
    float *s = scratch.data() + 2 * block * omp_get_thread_num(), *ds = s + block;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < count; ++i)
      f(i / p.heads, i % p.heads, s, ds);
  }
}

/// Sets every element of the view `m` to `value`.
void fill(F32Memref<4> &m, float value) {
  for (int64_t b = 0; b < m.sizes[0]; ++b)
    for (int64_t t = 0; t < m.sizes[1]; ++t)
      for (int64_t h = 0; h < m.sizes[2]; ++h)
        for (int64_t e = 0; e < m.sizes[3]; ++e)
          m.data[m.offset + b * m.strides[0] + t * m.strides[1] + h * m.strides[2] +
                    e * m.strides[3]] = value;
}

/// Runs `kernel` unless the problem is beyond BLAS's sizes or its buffers
/// do not fit in memory; then says why and fills `outputs` with NaN, which
/// stops training at its finiteness check instead of passing for a result.
template <typename Kernel>
void runOrPoison(const char *name, const Problem &p, std::initializer_list<F32Memref<4> *> outputs,
                 Kernel kernel) {
  const char *why = "a dimension beyond BLAS's 32-bit sizes";
  if (p.fitsBlas()) {
    try {
      kernel();
      return;
    } catch (const std::bad_alloc &) {
      why = "no memory for its buffers";
    }
  }
  std::fprintf(stderr, "liprt: %s: %s\n", name, why);
  for (F32Memref<4> *out : outputs)
    fill(*out, std::numeric_limits<float>::quiet_NaN());
}
} // namespace

extern "C" void _mlir_ciface_liprt_attention(F32Memref<4> *q, F32Memref<4> *k, F32Memref<4> *v,
                                             F32Memref<4> *out, int32_t causal, double logitScale,
                                             double outputFactor) {
  const Problem p = problemOf(*q, causal, logitScale, outputFactor);
  if (p.batch * p.tokens * p.heads * p.dim == 0)
    return;
  runOrPoison("attention", p, {out}, [&] {
    Heads qs(*q, false), ks(*k, false), vs(*v, false), outs(*out, true);
    forEachHead(p, [&](int64_t b, int64_t h, float *s, float *) {
      headForward(p, qs.at(b, h), ks.at(b, h), vs.at(b, h), outs.at(b, h), s);
    });
    outs.finish();
  });
}

extern "C" void _mlir_ciface_liprt_attention_grad(F32Memref<4> *q, F32Memref<4> *k,
                                                  F32Memref<4> *v, F32Memref<4> *dy,
                                                  F32Memref<4> *dq, F32Memref<4> *dk,
                                                  F32Memref<4> *dv, int32_t causal,
                                                  double logitScale, double outputFactor) {
  const Problem p = problemOf(*q, causal, logitScale, outputFactor);
  if (p.batch * p.tokens * p.heads * p.dim == 0)
    return;
  runOrPoison("attention gradient", p, {dq, dk, dv}, [&] {
    Heads qs(*q, false), ks(*k, false), vs(*v, false), dys(*dy, false);
    Heads dqs(*dq, true), dks(*dk, true), dvs(*dv, true);
    forEachHead(p, [&](int64_t b, int64_t h, float *s, float *ds) {
      headBackward(p, qs.at(b, h), ks.at(b, h), vs.at(b, h), dys.at(b, h), dqs.at(b, h),
                   dks.at(b, h), dvs.at(b, h), s, ds);
    });
    dqs.finish();
    dks.finish();
    dvs.finish();
  });
}
