//===- OpSoundnessTest.cpp - Every op's Lipschitz rule, tested empirically ===//
//
// For every lip op, a small function that exercises its rule, weights exactly
// at their constraints, and a search for the worst ratio that must never
// exceed the certified bound. Where the rule is tight, the search must also
// come close to it: that shows the search is strong enough to catch a rule
// that is too small.
//
//===----------------------------------------------------------------------===//

#include "SoundnessHarness.h"

#include <gtest/gtest.h>

#include <iostream>

using namespace lipc::test;

namespace {
struct OpCase {
  const char *name;
  const char *source;
  /// The search must reach this fraction of the certified bound (0: the rule
  /// is not expected to be tight).
  double minTightness;
};

void PrintTo(const OpCase &c, std::ostream *os) { *os << c.name; }

class OpSoundness : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpSoundness, MeasuredRatioNeverExceedsCertifiedBound) {
  const OpCase &c = GetParam();
  SoundnessHarness harness(c.source);
  ASSERT_TRUE(harness.parsed()) << c.source;
  for (uint64_t seed : {1, 2}) {
    SearchOptions options;
    options.seed = seed;
    SearchResult r = harness.run(options);
    std::cout << c.name << " seed " << seed << ": measured " << r.measured
              << ", certified " << r.certified << " (ratio " << r.measured / r.certified
              << ")\n";
    EXPECT_LE(r.measured, r.certified * (1 + 1e-9))
        << c.name << ": measured " << r.measured << " > certified " << r.certified;
    if (seed == 1)
      EXPECT_GE(r.measured, c.minTightness * r.certified)
          << c.name << ": the search found only " << r.measured << " of "
          << r.certified;
  }
}

const OpCase kCases[] = {
    {"linear_square", R"mlir(
func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %w = lip.param "w" <exact_cap, w_max = 1.5, norm = rms_to_rms> : tensor<8x8xf32>
  %y = lip.linear %x, %w : tensor<1x8xf32>, tensor<8x8xf32> -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
})mlir", 0.99},
    {"linear_wide", R"mlir(
func.func @f(%x: tensor<1x12xf32>) -> tensor<1x4xf32> {
  %w = lip.param "w" <soft_cap, w_max = 0.7, norm = rms_to_rms> : tensor<4x12xf32>
  %y = lip.linear %x, %w : tensor<1x12xf32>, tensor<4x12xf32> -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
})mlir", 0.99},
    {"linear_tall_hard_cap_sequence", R"mlir(
func.func @f(%x: tensor<1x3x6xf32>) -> tensor<1x3x10xf32> {
  %w = lip.param "w" <hard_cap, w_max = 2.0, norm = rms_to_rms> : tensor<10x6xf32>
  %y = lip.linear %x, %w : tensor<1x3x6xf32>, tensor<10x6xf32> -> tensor<1x3x10xf32>
  return %y : tensor<1x3x10xf32>
})mlir", 0.99},
    {"embedding", R"mlir(
func.func @f(%ids: tensor<1x5xi32>) -> tensor<1x5x8xf32> {
  %e = lip.param "e" <embed_cap, w_max = 0.8, norm = l1_to_rms> : tensor<11x8xf32>
  %y = lip.embedding %ids, %e : tensor<1x5xi32>, tensor<11x8xf32> -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
})mlir", 0.5},
    {"relu", R"mlir(
func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = lip.relu %x : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
})mlir", 0.95},
    {"abs", R"mlir(
func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = lip.abs %x : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
})mlir", 0.99},
    {"maxmin", R"mlir(
func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = lip.maxmin %x : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
})mlir", 0.99},
    {"gelu_erf_paper_scale", R"mlir(
func.func @f(%x: tensor<1x4xf32> {lip.rms_bound = 3.0 : f64}) -> tensor<1x4xf32> {
  %y = lip.gelu %x scale 0.88581797 : tensor<1x4xf32>
  return %y : tensor<1x4xf32>
})mlir", 0.97},
    {"gelu_tanh", R"mlir(
func.func @f(%x: tensor<1x4xf32> {lip.rms_bound = 3.0 : f64}) -> tensor<1x4xf32> {
  %y = lip.gelu %x tanh scale 1.0 : tensor<1x4xf32>
  return %y : tensor<1x4xf32>
})mlir", 0.97},
    {"add_two_branches", R"mlir(
func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %a = lip.param "a" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %b = lip.param "b" <exact_cap, w_max = 0.5, norm = rms_to_rms> : tensor<8x8xf32>
  %ya = lip.linear %x, %a : tensor<1x8xf32>, tensor<8x8xf32> -> tensor<1x8xf32>
  %yb = lip.linear %x, %b : tensor<1x8xf32>, tensor<8x8xf32> -> tensor<1x8xf32>
  %y = lip.add %ya, %yb : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
})mlir", 0.0},
    {"add_same_value", R"mlir(
func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = lip.add %x, %x : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
})mlir", 0.99},
    {"scale_negative", R"mlir(
func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = lip.scale %x by -2.5 : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
})mlir", 0.99},
    {"residual", R"mlir(
func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %w = lip.param "w" <exact_cap, w_max = 3.0, norm = rms_to_rms> : tensor<8x8xf32>
  %fx = lip.linear %x, %w : tensor<1x8xf32>, tensor<8x8xf32> -> tensor<1x8xf32>
  %y = lip.residual %x, %fx alpha 0.3 : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
})mlir", 0.0},
    {"rope_split_merge", R"mlir(
func.func @f(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %h = lip.split_heads %x : tensor<1x5x8xf32> -> tensor<1x5x2x4xf32>
  %r = lip.rope %h base 10.0 : tensor<1x5x2x4xf32>
  %y = lip.merge_heads %r : tensor<1x5x2x4xf32> -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
})mlir", 0.99},
    {"concat_tight", R"mlir(
func.func @f(%x: tensor<1x3x8xf32>) -> tensor<1x3x12xf32> {
  %w = lip.param "w" <exact_cap, w_max = 2.0, norm = rms_to_rms> : tensor<4x8xf32>
  %y = lip.linear %x, %w : tensor<1x3x8xf32>, tensor<4x8xf32> -> tensor<1x3x4xf32>
  %c = lip.concat %x, %y : tensor<1x3x8xf32>, tensor<1x3x4xf32> -> tensor<1x3x12xf32>
  return %c : tensor<1x3x12xf32>
})mlir", 0.99},
    {"concat_three_parts", R"mlir(
func.func @f(%x: tensor<1x3x8xf32>) -> tensor<1x3x16xf32> {
  %a = lip.param "a" <exact_cap, w_max = 1.5, norm = rms_to_rms> : tensor<6x8xf32>
  %b = lip.param "b" <soft_cap, w_max = 0.5, norm = rms_to_rms> : tensor<2x8xf32>
  %ya = lip.linear %x, %a : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %yb = lip.linear %x, %b : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  %c = lip.concat %yb, %x, %ya : tensor<1x3x2xf32>, tensor<1x3x8xf32>, tensor<1x3x6xf32> -> tensor<1x3x16xf32>
  return %c : tensor<1x3x16xf32>
})mlir", 0.95},
    {"flatten", R"mlir(
func.func @f(%x: tensor<1x3x4xf32>) -> tensor<1x12xf32> {
  %y = lip.flatten %x : tensor<1x3x4xf32> -> tensor<1x12xf32>
  return %y : tensor<1x12xf32>
})mlir", 0.99},
    {"mean_pool", R"mlir(
func.func @f(%x: tensor<1x4x6xf32>) -> tensor<1x6xf32> {
  %y = lip.mean_pool %x : tensor<1x4x6xf32> -> tensor<1x6xf32>
  return %y : tensor<1x6xf32>
})mlir", 0.9},
    {"cross_entropy", R"mlir(
func.func @f(%x: tensor<1x3x6xf32>, %t: tensor<1x3xi32>) -> tensor<f32> {
  %w = lip.param "w" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<5x6xf32>
  %z = lip.linear %x, %w : tensor<1x3x6xf32>, tensor<5x6xf32> -> tensor<1x3x5xf32>
  %l = lip.cross_entropy %z, %t : tensor<1x3x5xf32>, tensor<1x3xi32> -> tensor<f32>
  return %l : tensor<f32>
})mlir", 0.0},
    {"attention_one_head", R"mlir(
func.func @f(%x: tensor<1x4x8xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<1x4x8xf32> {
  %wq = lip.param "q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wk = lip.param "k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wv = lip.param "v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %q = lip.linear %x, %wq : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %k = lip.linear %x, %wk : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %v = lip.linear %x, %wv : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %qh = lip.split_heads %q : tensor<1x4x8xf32> -> tensor<1x4x1x8xf32>
  %kh = lip.split_heads %k : tensor<1x4x8xf32> -> tensor<1x4x1x8xf32>
  %vh = lip.split_heads %v : tensor<1x4x8xf32> -> tensor<1x4x1x8xf32>
  %a = lip.attention %qh, %kh, %vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<1x4x1x8xf32>
  %y = lip.merge_heads %a : tensor<1x4x1x8xf32> -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
})mlir", 0.0},
    {"attention_four_heads_tied_qk_rope", R"mlir(
func.func @f(%x: tensor<1x4x8xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<1x4x8xf32> {
  %wq = lip.param "q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wv = lip.param "v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wo = lip.param "o" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %q = lip.linear %x, %wq : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %v = lip.linear %x, %wv : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %qh = lip.split_heads %q : tensor<1x4x8xf32> -> tensor<1x4x4x2xf32>
  %vh = lip.split_heads %v : tensor<1x4x8xf32> -> tensor<1x4x4x2xf32>
  %qr = lip.rope %qh base 10000.0 : tensor<1x4x4x2xf32>
  %a = lip.attention %qr, %qr, %vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<1x4x4x2xf32>
  %m = lip.merge_heads %a : tensor<1x4x4x2xf32> -> tensor<1x4x8xf32>
  %y = lip.linear %m, %wo : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
})mlir", 0.0},
    {"attention_bidirectional_large_scores", R"mlir(
func.func @f(%x: tensor<1x3x4xf32> {lip.rms_bound = 2.0 : f64}) -> tensor<1x3x4xf32> {
  %h = lip.split_heads %x : tensor<1x3x4xf32> -> tensor<1x3x2x2xf32>
  %a = lip.attention %h, %h, %h logit_scale 3.0 output_factor 1.0 : tensor<1x3x2x2xf32>
  %y = lip.merge_heads %a : tensor<1x3x2x2xf32> -> tensor<1x3x4xf32>
  return %y : tensor<1x3x4xf32>
})mlir", 0.0},
};

INSTANTIATE_TEST_SUITE_P(Rules, OpSoundness, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<OpCase> &info) {
                           return std::string(info.param.name);
                         });
} // namespace
