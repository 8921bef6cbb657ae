//===- ModelSoundnessTest.cpp - Whole models stay under their bound -------===//
//
// The certified bound of whole small models (an MLP, a 2-block
// transformer, from the embedded input and from token ids, a block
// whose attention is by position, and models joined by lip.concat) against the
// worst ratio the search finds; and a check that the search is strong enough
// to refute an unsound rule: the paper's attention rule, which ignores the
// number of heads.
//
//===----------------------------------------------------------------------===//

#include "SoundnessHarness.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

using namespace lipc::test;

namespace {
std::string readInput(const std::string &name) {
  std::ifstream in(std::string(LIPC_TEST_INPUTS) + "/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void expectSound(const std::string &file, const std::string &func, double minTightness) {
  SoundnessHarness harness(readInput(file), func);
  ASSERT_TRUE(harness.parsed()) << file;
  for (uint64_t seed : {1, 2, 3}) {
    SearchOptions options;
    options.seed = seed;
    SearchResult r = harness.run(options);
    std::cout << func << " seed " << seed << ": measured " << r.measured
              << ", certified " << r.certified << "\n";
    EXPECT_LE(r.measured, r.certified * (1 + 1e-9)) << func << " seed " << seed;
    EXPECT_GE(r.measured, minTightness * r.certified) << func << " seed " << seed;
  }
}

TEST(ModelSoundness, Mlp) { expectSound("mlp-tiny.mlir", "mlp", 0.8); }

TEST(ModelSoundness, TransformerFromEmbeddedInput) {
  expectSound("gpt-tiny.mlir", "blocks", 0.2);
}

TEST(ModelSoundness, TransformerFromTokens) { expectSound("gpt-tiny.mlir", "gpt", 0.15); }

// Attention by position (lip.positions looked up in learned tables): the
// scores do not depend on the tokens, so the bound has no score term.
TEST(ModelSoundness, PositionalAttentionFromTokens) {
  expectSound("positional-tiny.mlir", "positional", 0.25);
}

// Parts side by side (lip.concat): the embedded tokens beside attention by
// position over them, and content-based heads computed by separate maps.
TEST(ModelSoundness, TokensBesidePooledTokens) { expectSound("concat-tiny.mlir", "pooled", 0.25); }

TEST(ModelSoundness, SeparateContentHeads) {
  expectSound("concat-tiny.mlir", "separate_heads", 0.2);
}

// Four heads, weights at w_max = 1, logit scale 1, inputs of RMS <= 1. The
// reference code's rule gives (1/3) n(W) n(V) (1 + 2 s a^2 n(Q) n(K)) = 1,
// which holds for one head but not for four: the search must find a larger
// ratio, and our head-aware rule must still hold.
TEST(AttentionRule, SearchRefutesTheReferenceCodesMultiHeadRule) {
  const char *source = R"mlir(
func.func @f(%x: tensor<1x4x8xf32> {lip.rms_bound = 1.0 : f64}) -> tensor<1x4x8xf32> {
  %wq = lip.param "q" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wk = lip.param "k" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wv = lip.param "v" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %wo = lip.param "o" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<8x8xf32>
  %q = lip.linear %x, %wq : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %k = lip.linear %x, %wk : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %v = lip.linear %x, %wv : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %qh = lip.split_heads %q : tensor<1x4x8xf32> -> tensor<1x4x4x2xf32>
  %kh = lip.split_heads %k : tensor<1x4x8xf32> -> tensor<1x4x4x2xf32>
  %vh = lip.split_heads %v : tensor<1x4x8xf32> -> tensor<1x4x4x2xf32>
  %a = lip.attention %qh, %kh, %vh causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<1x4x4x2xf32>
  %m = lip.merge_heads %a : tensor<1x4x4x2xf32> -> tensor<1x4x8xf32>
  %y = lip.linear %m, %wo : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
})mlir";
  const double referenceRule = (1.0 / 3.0) * 1.0 * 1.0 * (1.0 + 2.0 * 1.0 * 1.0 * 1.0 * 1.0);
  SoundnessHarness harness(source);
  ASSERT_TRUE(harness.parsed());
  SearchOptions options;
  SearchResult r = harness.run(options);
  std::cout << "4-head attention: measured " << r.measured << ", reference rule "
            << referenceRule << ", certified " << r.certified << "\n";
  EXPECT_GT(r.measured, 1.1 * referenceRule);
  EXPECT_LE(r.measured, r.certified);
}
} // namespace
