//===- AttentionTest.cpp - The runtime's fused attention kernels ----------===//
//
// liprt_attention and liprt_attention_grad (runtime/src/Attention.cpp)
// against the double-precision reference (lipnum/Kernels.h and
// GradKernels.h): causal and not, token counts that the 64-row query blocks
// do not divide, negative logit scales, views stored dense, with padding
// between rows, and with head_dim not contiguous (copied); outputs never
// written outside their view; bit-identical results for 1 and 3 threads.
//
//===----------------------------------------------------------------------===//

#include "liprt/Attention.h"
#include "lipnum/GradKernels.h"
#include "lipnum/Kernels.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {
using lipnum::Tensor;
using View = liprt::F32Memref<4>;

enum class Layout { Dense, PaddedRows, DimMajor };

struct Case {
  int64_t batch, tokens, heads, dim;
  bool causal;
  double logitScale, outputFactor;
  Layout layout;
};

/// Storage and a [batch, tokens, heads, dim] view of it in `layout`; the
/// padding holds a sentinel that must survive.
struct Stored {
  static constexpr float kSentinel = 12345.0f;
  std::vector<float> storage;
  View view;

  Stored(const Case &c, const Tensor *values) {
    const int64_t b = c.batch, t = c.tokens, h = c.heads, d = c.dim;
    if (c.layout == Layout::DimMajor) { // [dim, batch, tokens, heads] in memory
      storage.assign(d * b * t * h + 3, kSentinel);
      view = {storage.data(), storage.data(), 3, {b, t, h, d}, {t * h, h, 1, b * t * h}};
    } else {
      int64_t row = h * d + (c.layout == Layout::PaddedRows ? 5 : 0);
      storage.assign(b * t * row + 2, kSentinel);
      view = {storage.data(), storage.data(), 2, {b, t, h, d}, {t * row, row, d, 1}};
    }
    for (int64_t i = 0; values && i < values->numel(); ++i)
      at(i) = static_cast<float>(values->data[i]);
  }

  /// Element i of the tensor in row-major [batch, tokens, heads, dim] order.
  float &at(int64_t i) {
    const int64_t d = view.sizes[3], h = view.sizes[2], t = view.sizes[1];
    int64_t e = i % d, hh = i / d % h, tt = i / (d * h) % t, bb = i / (d * h * t);
    return storage[view.offset + bb * view.strides[0] + tt * view.strides[1] +
                   hh * view.strides[2] + e * view.strides[3]];
  }

  Tensor tensor() {
    Tensor r(std::vector<int64_t>(view.sizes, view.sizes + 4));
    for (int64_t i = 0; i < r.numel(); ++i)
      r.data[i] = at(i);
    return r;
  }

  int64_t sentinelsLeft() const { return std::count(storage.begin(), storage.end(), kSentinel); }
};

Tensor randomTensor(const Case &c, std::mt19937_64 &rng, double scale) {
  Tensor t({c.batch, c.tokens, c.heads, c.dim});
  std::normal_distribution<double> normal(0.0, scale);
  for (double &x : t.data)
    x = static_cast<double>(static_cast<float>(normal(rng)));
  return t;
}

void expectClose(const Tensor &actual, const Tensor &expected, const char *what) {
  double largest = 0;
  for (double x : expected.data)
    largest = std::max(largest, std::fabs(x));
  for (int64_t i = 0; i < expected.numel(); ++i)
    ASSERT_NEAR(actual.data[i], expected.data[i], 2e-5 * (largest + 1)) << what << " element " << i;
}

struct Results {
  Tensor out, dq, dk, dv;
  bool paddingKept = true;
};

Results run(const Case &c, const Tensor &q, const Tensor &k, const Tensor &v, const Tensor &dy) {
  Stored qs(c, &q), ks(c, &k), vs(c, &v), dys(c, &dy), out(c, nullptr), dq(c, nullptr),
      dk(c, nullptr), dv(c, nullptr);
  int64_t untouched = out.sentinelsLeft() - q.numel();
  _mlir_ciface_liprt_attention(&qs.view, &ks.view, &vs.view, &out.view, c.causal, c.logitScale,
                               c.outputFactor);
  _mlir_ciface_liprt_attention_grad(&qs.view, &ks.view, &vs.view, &dys.view, &dq.view, &dk.view,
                                    &dv.view, c.causal, c.logitScale, c.outputFactor);
  Results r{out.tensor(), dq.tensor(), dk.tensor(), dv.tensor()};
  for (Stored *s : {&out, &dq, &dk, &dv})
    r.paddingKept = r.paddingKept && s->sentinelsLeft() >= untouched;
  return r;
}

void expectMatchesReference(const Case &c) {
  std::mt19937_64 rng(c.tokens * 31 + c.dim);
  Tensor q = randomTensor(c, rng, 2.0), k = randomTensor(c, rng, 2.0), v = randomTensor(c, rng, 1.0),
         dy = randomTensor(c, rng, 1.0);
  Results r = run(c, q, k, v, dy);
  EXPECT_TRUE(r.paddingKept) << "an output was written outside its view";
  expectClose(r.out, lipnum::attention(q, k, v, c.causal, c.logitScale, c.outputFactor), "out");
  auto [dq, dk, dv] = lipnum::attentionGrad(q, k, v, dy, c.causal, c.logitScale, c.outputFactor);
  expectClose(r.dq, dq, "dq");
  expectClose(r.dk, dk, "dk");
  expectClose(r.dv, dv, "dv");
}

TEST(Attention, CausalDense) { expectMatchesReference({2, 70, 3, 16, true, 1.0, 1.0 / 3, Layout::Dense}); }

TEST(Attention, CausalAcrossSeveralQueryBlocks) {
  expectMatchesReference({1, 150, 2, 8, true, 2.0, 0.5, Layout::PaddedRows});
}

TEST(Attention, FullWithNegativeLogitScale) {
  expectMatchesReference({2, 33, 2, 5, false, -1.5, 1.0, Layout::Dense});
}

TEST(Attention, HeadDimNotContiguous) {
  expectMatchesReference({2, 67, 2, 4, true, 1.0, 1.0 / 3, Layout::DimMajor});
}

TEST(Attention, OneToken) { expectMatchesReference({3, 1, 2, 4, true, 1.0, 1.0, Layout::PaddedRows}); }

TEST(Attention, SameResultsForAnyThreadCount) {
  Case c{4, 130, 3, 16, true, 1.0, 1.0 / 3, Layout::Dense};
  std::mt19937_64 rng(7);
  Tensor q = randomTensor(c, rng, 2.0), k = randomTensor(c, rng, 2.0), v = randomTensor(c, rng, 1.0),
         dy = randomTensor(c, rng, 1.0);
  int before = omp_get_max_threads();
  omp_set_num_threads(1);
  Results one = run(c, q, k, v, dy);
  omp_set_num_threads(3);
  Results three = run(c, q, k, v, dy);
  omp_set_num_threads(before);
  EXPECT_EQ(one.out.data, three.out.data);
  EXPECT_EQ(one.dq.data, three.dq.data);
  EXPECT_EQ(one.dk.data, three.dk.data);
  EXPECT_EQ(one.dv.data, three.dv.data);
}

TEST(Attention, NonFiniteScoresPropagate) {
  Case c{1, 4, 1, 2, true, 1.0, 1.0, Layout::Dense};
  Tensor q({1, 4, 1, 2}, 1.0), k({1, 4, 1, 2}, 1.0), v({1, 4, 1, 2}, 1.0), dy({1, 4, 1, 2}, 1.0);
  q.data[4] = std::nan("");
  Results r = run(c, q, k, v, dy);
  EXPECT_TRUE(std::isnan(r.out.data[4])) << "the query with a NaN must give NaN";
  EXPECT_FALSE(std::isnan(r.out.data[0])) << "other queries are unaffected";
}
} // namespace
