#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "metrics/classification.h"
#include "metrics/pixel_curves.h"

namespace decodiff::metrics {
namespace {

// The bucketed accumulator and the sort-based image-level functions are two
// independent algorithms for the same curves: they must agree on every
// distinct-threshold walk, including a bucket that turned dense.
TEST(PixelCurveAccumulator, AgreesWithSortedComputation) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  const int w = 300, h = 300, images = 3;
  std::vector<float> all_scores;
  std::vector<uint8_t> all_labels;
  PixelCurveAccumulator accumulator;
  for (int k = 0; k < images; ++k) {
    std::vector<float> map(w * h);
    std::vector<uint8_t> mask(w * h, 0);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const bool anomalous = (x - 100 * k - 50) * (x - 100 * k - 50) + (y - 150) * (y - 150) < 900;
        mask[y * w + x] = anomalous;
        float s = uniform(rng);
        // 90% land in [0.5, 0.5 + 2^-9): one 16-bit bucket, >131072 entries.
        if (uniform(rng) < 0.9f) s = 0.5f + std::ldexp(uniform(rng), -9);
        if (uniform(rng) < 0.1f) s = std::round(s * 64) / 64;  // ties
        if (anomalous) s += 0.001f * uniform(rng);
        map[y * w + x] = s;
      }
    }
    accumulator.add(map.data(), mask.data(), w, h);
    all_scores.insert(all_scores.end(), map.begin(), map.end());
    all_labels.insert(all_labels.end(), mask.begin(), mask.end());
  }
  const PixelMetrics m = accumulator.compute();
  EXPECT_EQ(m.num_pixels, all_scores.size());
  EXPECT_EQ(m.num_regions, 3u);
  EXPECT_NEAR(m.auroc, auroc(all_scores, all_labels), 1e-12);
  EXPECT_NEAR(m.average_precision, average_precision(all_scores, all_labels), 1e-12);
  const F1Max f1 = f1_max(all_scores, all_labels);
  EXPECT_NEAR(m.f1_max, f1.f1, 1e-12);
  EXPECT_EQ(m.f1_threshold, f1.threshold);
}

TEST(PixelCurveAccumulator, MemoryStaysBoundedForRepeatedScores) {
  PixelCurveAccumulator accumulator;
  const int w = 1000, h = 1000;
  std::vector<float> map(w * h, 0.5f);
  std::vector<uint8_t> mask(w * h, 0);
  for (int k = 0; k < 4; ++k) accumulator.add(map.data(), mask.data(), w, h);
  // 4e6 normal pixels at 2 bytes each would be 8 MB; the dense bucket is 256 KiB
  // on top of the fixed 65536-bucket table.
  EXPECT_LT(accumulator.memory_bytes(), 4u << 20);
  EXPECT_EQ(accumulator.num_pixels(), 4000000u);
}

TEST(PixelCurveAccumulator, ByHand) {
  // 2x2 and 2x1 images: normal 0.1, 0.4, 0.2; anomalous 0.35, 0.8, 0.4.
  const std::vector<float> a = {0.1f, 0.4f, 0.35f, 0.8f}, b = {0.4f, 0.2f};
  const std::vector<uint8_t> ma = {0, 0, 1, 1}, mb = {1, 0};
  PixelCurveAccumulator accumulator;
  accumulator.add(a.data(), ma.data(), 2, 2);
  accumulator.add(b.data(), mb.data(), 2, 1);
  const PixelMetrics m = accumulator.compute();
  // Pairs won of 9: 0.8 beats 3, 0.4 beats 2 and ties 1, 0.35 beats 2.
  EXPECT_NEAR(m.auroc, 7.5 / 9.0, 1e-15);
  // Recall steps of 1/3 at 0.8, 0.4 and 0.35 with precision 1, 2/3 and 3/4.
  EXPECT_NEAR(m.average_precision, (1.0 + 2.0 / 3.0 + 0.75) / 3.0, 1e-15);
  EXPECT_NEAR(m.f1_max, 2.0 * 0.75 / 1.75, 1e-15);
  EXPECT_FLOAT_EQ(m.f1_threshold, 0.35f);
  EXPECT_EQ(m.num_anomalous_pixels, 3u);
  EXPECT_EQ(m.num_regions, 2u);
  EXPECT_EQ(accumulator.num_images(), 2u);
}

TEST(PixelCurveAccumulator, SignedZerosAreTied) {
  const std::vector<float> map = {-0.0f, 0.0f, 0.0f, -0.0f};
  const std::vector<uint8_t> mask = {1, 0, 1, 0};
  PixelCurveAccumulator accumulator;
  accumulator.add(map.data(), mask.data(), 4, 1);
  EXPECT_DOUBLE_EQ(accumulator.compute().auroc, 0.5);
}

TEST(PixelCurveAccumulator, AddAfterComputeCountsEverything) {
  const std::vector<float> a = {0.1f, 0.9f}, b = {0.8f, 0.2f};
  const std::vector<uint8_t> ma = {0, 1}, mb = {0, 1};
  PixelCurveAccumulator accumulator;
  accumulator.add(a.data(), ma.data(), 2, 1);
  EXPECT_DOUBLE_EQ(accumulator.compute().auroc, 1.0);
  accumulator.add(b.data(), mb.data(), 2, 1);
  // Positives 0.9, 0.2 against normals 0.1, 0.8: 3 of 4 pairs.
  EXPECT_DOUBLE_EQ(accumulator.compute().auroc, 0.75);
}

TEST(PixelCurveAccumulator, BadInputThrowsAndAddsNothing) {
  PixelCurveAccumulator accumulator;
  const std::vector<float> map = {0.1f, NAN, 0.3f, 0.4f};
  const std::vector<uint8_t> mask = {0, 1, 0, 1};
  EXPECT_THROW(accumulator.add(map.data(), mask.data(), 2, 2), std::invalid_argument);
  EXPECT_EQ(accumulator.num_pixels(), 0u);
  EXPECT_EQ(accumulator.num_regions(), 0u);
  EXPECT_THROW(accumulator.add(nullptr, mask.data(), 2, 2), std::invalid_argument);
  EXPECT_THROW(accumulator.add(map.data(), nullptr, 2, 2), std::invalid_argument);
  EXPECT_THROW(accumulator.add(map.data(), mask.data(), 0, 2), std::invalid_argument);
  const PixelMetrics empty = accumulator.compute();
  EXPECT_TRUE(std::isnan(empty.auroc));
  EXPECT_TRUE(std::isnan(empty.aupro));
  EXPECT_TRUE(std::isnan(empty.aupro_reference_approx));
}

}  // namespace
}  // namespace decodiff::metrics
