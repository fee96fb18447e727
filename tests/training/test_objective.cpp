// The DeCo-Diff objective on small hand-made tensors (docs/algorithm.md, "Training").
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <set>

#include "objective.h"
#include "trainer.h"

using namespace decodiff;
using namespace decodiff::train;

namespace {

// True when every patch x patch tile of every sample is constant 0 or 1, equal on all channels.
bool patches_are_uniform(const at::Tensor& mask, int patch) {
  auto m = mask.contiguous();
  const int64_t n = m.size(0), c = m.size(1), h = m.size(2), w = m.size(3);
  auto a = m.accessor<float, 4>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y0 = 0; y0 < h; y0 += patch)
      for (int64_t x0 = 0; x0 < w; x0 += patch) {
        const float v = a[b][0][y0][x0];
        if (v != 0.0f && v != 1.0f) return false;
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t y = y0; y < y0 + patch; ++y)
            for (int64_t x = x0; x < x0 + patch; ++x)
              if (a[b][ch][y][x] != v) return false;
      }
  return true;
}

// Tiles [N*L, C*P*P] in the order b, row, col.
at::Tensor tiles_of(const at::Tensor& z, int p) {
  const int64_t n = z.size(0), c = z.size(1), h = z.size(2), w = z.size(3);
  return z.view({n, c, h / p, p, w / p, p})
      .permute({0, 2, 4, 1, 3, 5})
      .reshape({n * (h / p) * (w / p), c * p * p});
}

}  // namespace

TEST(PatchSizes, ReferenceTable) {
  auto d32 = patch_size_distribution(32);  // crop 256
  EXPECT_EQ(d32.sizes, (std::vector<int>{1, 2, 4, 8, 16}));
  const std::vector<double> p32{.3, .25, .2, .15, .1};
  for (size_t i = 0; i < p32.size(); ++i) EXPECT_NEAR(d32.probabilities[i], p32[i], 1e-12);
  // crop 224: the reference lists 8, which does not divide 28 (its random_mask would fail): dropped
  auto d28 = patch_size_distribution(28);
  EXPECT_EQ(d28.sizes, (std::vector<int>{1, 2, 4, 14}));
  EXPECT_NEAR(d28.probabilities[3], .1 / .85, 1e-12);
  auto d64 = patch_size_distribution(64);  // crop 512
  EXPECT_EQ(d64.sizes, (std::vector<int>{1, 2, 4, 8, 16, 32}));
  EXPECT_NEAR(d64.probabilities[0], .25, 1e-12);
  EXPECT_NEAR(d64.probabilities[5], .1, 1e-12);
  EXPECT_EQ(patch_size_distribution(48).sizes, (std::vector<int>{1, 2, 4, 8, 16, 24}));  // crop 384
}

TEST(PatchSizes, NonDividingSizesDroppedAndRenormalised) {
  auto d40 = patch_size_distribution(40);  // crop 320: 16 does not divide 40
  EXPECT_EQ(d40.sizes, (std::vector<int>{1, 2, 4, 8}));
  EXPECT_NEAR(d40.probabilities[0], .3 / .9, 1e-12);
  auto d16 = patch_size_distribution(16);  // other sizes: powers of two up to latent/2
  EXPECT_EQ(d16.sizes, (std::vector<int>{1, 2, 4, 8}));
  EXPECT_NEAR(d16.probabilities[3], .15 / .9, 1e-12);
  auto d12 = patch_size_distribution(12);
  EXPECT_EQ(d12.sizes, (std::vector<int>{1, 2, 4}));
  double s = 0;
  for (double p : d12.probabilities) s += p;
  EXPECT_NEAR(s, 1.0, 1e-12);
}

TEST(RandomPatchMask, PatchesAreAllZeroOrAllOneWithTheReferenceCount) {
  std::mt19937_64 rng(5);
  const std::vector<double> ratios{0.0, 0.25, 0.7, 1.0};
  for (int patch : {1, 2, 4, 8}) {
    auto m = random_patch_mask(4, 16, 16, ratios, patch, rng);
    ASSERT_EQ(m.sizes(), (at::IntArrayRef{4, 4, 16, 16}));
    EXPECT_TRUE(patches_are_uniform(m, patch)) << "patch " << patch;
    const int64_t patches = (16 / patch) * (16 / patch);
    for (size_t b = 0; b < ratios.size(); ++b) {
      const double kept_pixels = m[b][0].sum().item<double>();
      const auto expected = static_cast<int64_t>(static_cast<double>(patches) * (1.0 - ratios[b]));
      EXPECT_EQ(kept_pixels, static_cast<double>(expected * patch * patch))
          << "patch " << patch << " ratio " << ratios[b];
    }
  }
}

TEST(ShufflePatches, PlacesTilesByThePermutation) {
  // 2 samples, 1 channel, 4x4, patch 2: 8 tiles; tile k holds the value k everywhere.
  auto z = at::zeros({2, 1, 4, 4});
  for (int b = 0; b < 2; ++b)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c) z[b][0].narrow(0, 2 * r, 2).narrow(1, 2 * c, 2).fill_(b * 4 + r * 2 + c);
  auto perm = at::tensor(std::vector<int64_t>{7, 6, 5, 4, 3, 2, 1, 0});
  auto s = shuffle_patches(z, 2, perm);
  // Output tile i (b = i/4, row, col) holds input tile perm[i] = 7 - i: crosses the batch.
  EXPECT_EQ(s[0][0][0][0].item<float>(), 7.0f);
  EXPECT_EQ(s[0][0][3][3].item<float>(), 4.0f);
  EXPECT_EQ(s[1][0][0][1].item<float>(), 3.0f);
  EXPECT_EQ(s[1][0][3][2].item<float>(), 0.0f);
}

TEST(ShufflePatches, IsAPermutationOfTheBatchTiles) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  auto z = at::randn({3, 4, 8, 8}, gen);
  for (int p : {1, 2, 4}) {
    const int64_t count = 3 * (8 / p) * (8 / p);
    auto perm = at::randperm(count, gen, at::kLong);
    auto s = shuffle_patches(z, p, perm);
    auto a = tiles_of(z, p), b = tiles_of(s, p);
    for (int64_t i = 0; i < count; ++i) EXPECT_TRUE(at::equal(b[i], a[perm[i].item<int64_t>()]));
    // and as multisets, by the sum of each tile
    auto sa = std::get<0>(a.sum(1).sort()), sb = std::get<0>(b.sum(1).sort());
    EXPECT_TRUE(at::allclose(sa, sb));
  }
}

TEST(MaskedForward, MatchesTheFormulaOnAHandMadeCase) {
  const NoiseSchedule schedule(10);
  // z = 1, n = 2, t = 3 (abar 0.647478, s 0.593735, c 0.329001 from docs/algorithm.md, "The noise schedule")
  auto z = at::ones({1, 1, 2, 2});
  auto n = at::full({1, 1, 2, 2}, 2.0);
  auto m = at::tensor(std::vector<float>{1, 0, 0, 1}).view({1, 1, 2, 2});
  auto t = at::tensor(std::vector<int64_t>{3});
  auto x = masked_forward(z, m, n, t, schedule);
  const double diffused = std::sqrt(0.647478) * 1.0 + 0.593735 * 2.0;
  EXPECT_NEAR(x[0][0][0][0].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(x[0][0][0][1].item<double>(), diffused, 1e-5);
  EXPECT_NEAR(x[0][0][1][0].item<double>(), diffused, 1e-5);
  EXPECT_NEAR(x[0][0][1][1].item<double>(), 1.0, 1e-6);
  auto target = deviation_target(z, m, n, t, schedule);
  EXPECT_EQ(target[0][0][0][0].item<double>(), 0.0);
  EXPECT_NEAR(target[0][0][0][1].item<double>(), 2.0 - 0.329001, 1e-5);
}

TEST(MaskedForward, PerSampleTimesteps) {
  const NoiseSchedule schedule(10);
  auto z = at::full({2, 1, 1, 1}, 0.5);
  auto n = at::full({2, 1, 1, 1}, -1.0);
  auto m = at::zeros({2, 1, 1, 1});
  auto t = at::tensor(std::vector<int64_t>{0, 9});
  auto x = masked_forward(z, m, n, t, schedule);
  EXPECT_NEAR(x[0].item<double>(), std::sqrt(0.972093) * 0.5 - 0.167055, 1e-5);
  EXPECT_NEAR(x[1].item<double>(), std::sqrt(0.000024) * 0.5 - 0.999988, 1e-5);
  auto target = deviation_target(z, m, n, t, schedule);
  EXPECT_NEAR(target[0].item<double>(), -1.0 - 0.084118 * 0.5, 1e-5);
  EXPECT_NEAR(target[1].item<double>(), -1.0 - 0.995104 * 0.5, 1e-5);
}

TEST(ObjectiveBatch, TargetZeroWhereKeptAndConsistentWithTheFormula) {
  const NoiseSchedule schedule(10);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  std::mt19937_64 rng(11);
  // Latent values far from Gaussian draws (>= 100) so shuffled tiles are recognisable.
  auto z = at::rand({4, 4, 16, 16}, gen) + 100.0;
  std::set<int> patches_seen;
  for (int trial = 0; trial < 12; ++trial) {
    auto b = make_objective_batch(z, schedule, {}, rng, gen);
    patches_seen.insert(b.patch);
    EXPECT_TRUE(patches_are_uniform(b.mask, b.patch));
    EXPECT_EQ((b.target * b.mask).abs().max().item<float>(), 0.0f);
    EXPECT_TRUE(at::allclose(b.x_t, masked_forward(z, b.mask, b.noise, b.t, schedule)));
    EXPECT_TRUE(at::allclose(b.target, deviation_target(z, b.mask, b.noise, b.t, schedule)));
    EXPECT_GE(b.t.min().item<int64_t>(), 0);
    EXPECT_LE(b.t.max().item<int64_t>(), 9);
    // Noise tiles are either Gaussian (|v| < 100) or latent tiles (>= 100), never a mix,
    // and the latent ones are tiles of the batch.
    auto nt = tiles_of(b.noise, b.patch), zt = tiles_of(z, b.patch);
    auto big = (nt >= 99.0).to(at::kFloat);
    const auto per_tile = big.sum(1);
    const int64_t width = nt.size(1);
    int64_t shuffled = 0;
    for (int64_t i = 0; i < nt.size(0); ++i) {
      const auto k = per_tile[i].item<int64_t>();
      ASSERT_TRUE(k == 0 || k == width);
      if (k == width) {
        ++shuffled;
        EXPECT_TRUE(((zt - nt[i]).abs().sum(1) == 0).any().item<bool>());
      }
    }
    // r' <= 0.3: at most 30% of each sample's tiles are shuffled latents
    EXPECT_LE(shuffled, static_cast<int64_t>(0.3 * nt.size(0)) + 4);
  }
  EXPECT_GE(patches_seen.size(), 2u);
}

TEST(LearningRate, WarmupThenTheReferenceCosine) {
  EXPECT_NEAR(lr_factor(0, 10, 100), 0.1, 1e-12);
  EXPECT_NEAR(lr_factor(9, 10, 100), 1.0, 1e-12);
  EXPECT_NEAR(lr_factor(10, 10, 100), 1.0, 1e-12);
  // horizon 1.5 * 100 - 10 = 140 steps after the warm-up: halfway at step 80
  EXPECT_NEAR(lr_factor(80, 10, 100), 0.5, 1e-12);
  EXPECT_NEAR(lr_factor(100, 10, 100), 0.5 * (1 + std::cos(M_PI * 90.0 / 140.0)), 1e-12);
  EXPECT_NEAR(lr_factor(5, 0, 100), 0.5 * (1 + std::cos(M_PI * 5.0 / 150.0)), 1e-12);
}
