#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "metrics/pro.h"

namespace decodiff::metrics {
namespace {

// One 12x1 image: a two-pixel region scoring 0.9 and 0.6; ten normal pixels
// 0 (x7), 0.4, 0.6, 1.0. Distinct thresholds from the top give the curve
// (0,0) (0.1,0) (0.1,0.5) (0.2,1) (0.3,1) (1,1).
const std::vector<float> kMap = {0.9f, 0.6f, 0, 0, 0, 0, 0, 0, 0, 0.4f, 0.6f, 1.0f};
const std::vector<uint8_t> kMask = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

TEST(Aupro, ExactByHand) {
  // Up to 0.3: 0.5 * (0.5 + 1) * 0.1 + 1 * 0.1 = 0.175.
  EXPECT_NEAR(aupro(kMap.data(), kMask.data(), 1, 12, 1), 0.175 / 0.3, 1e-12);
  EXPECT_NEAR(aupro(kMap.data(), kMask.data(), 1, 12, 1, 1.0), 0.875, 1e-12);
  // Up to 0.15: 0.5 * (0.5 + 0.75) * 0.05 (interpolated at 0.15).
  EXPECT_NEAR(aupro(kMap.data(), kMask.data(), 1, 12, 1, 0.15), 0.03125 / 0.15, 1e-12);
}

TEST(Aupro, InterpolatesOnASlope) {
  // A normal and an anomalous pixel tied at 0.6: the curve jumps from (0,0)
  // to (0.5,1), so PRO(0.3) = 0.6 and the area is 0.5 * 0.6 * 0.3.
  const std::vector<float> map = {0.6f, 0.6f, 0.2f};
  const std::vector<uint8_t> mask = {1, 0, 0};
  EXPECT_NEAR(aupro(map.data(), mask.data(), 1, 3, 1), 0.3, 1e-12);
}

TEST(Aupro, RegionsAreAveragedNotPixels) {
  // A 3-pixel region fully detected and a 1-pixel region missed: PRO is 0.5
  // at every FPR < 1 (pixel-wise it would be 0.75).
  // clang-format off
  const std::vector<float> map = {0.9f, 0.9f, 0.9f, 0.2f, 0.2f,
                                  0.1f, 0.1f, 0.1f, 0.5f, 0.0f};
  const std::vector<uint8_t> mask = {1, 1, 1, 0, 0,
                                     0, 0, 0, 0, 1};
  // clang-format on
  EXPECT_NEAR(aupro(map.data(), mask.data(), 1, 5, 2), 0.5, 1e-12);
}

TEST(Aupro, AllEqualScores) {
  // One point (1,1): the curve is the diagonal, 0.5 * 0.3 * 0.3 / 0.3.
  const std::vector<float> map(16, 0.25f);
  std::vector<uint8_t> mask(16, 0);
  mask[5] = 1;
  EXPECT_NEAR(aupro(map.data(), mask.data(), 1, 4, 4), 0.15, 1e-12);
  EXPECT_TRUE(std::isnan(aupro_reference_approx(map.data(), mask.data(), 1, 4, 4)));
}

TEST(AuproReferenceApprox, ByHand) {
  // Grid arange(0, 1, 0.25). FPR (score > t): 0.3, 0.3, 0.2, 0.1; PRO: 1, 1, 1, 0.5.
  // Kept (FPR < 0.3): (0.2, 1), (0.1, 0.5); FPR / 0.2 -> (1, 1), (0.5, 0.5);
  // area 0.5 * (1 + 0.5) * 0.5.
  EXPECT_NEAR(aupro_reference_approx(kMap.data(), kMask.data(), 1, 12, 1, 4), 0.375, 1e-12);
}

TEST(AuproReferenceApprox, GridMatchesNumpyArange) {
  // numpy.arange(0.1, 0.7, 0.6 / 200) has 200 values; (0, 1, 1/3) has 3.
  EXPECT_EQ(detail::reference_pro_thresholds(0.1, 0.7, 200).size(), 200u);
  const std::vector<double> thirds = detail::reference_pro_thresholds(0.0, 1.0, 3);
  ASSERT_EQ(thirds.size(), 3u);
  EXPECT_DOUBLE_EQ(thirds[2], 2.0 / 3.0);
  EXPECT_TRUE(detail::reference_pro_thresholds(0.5, 0.5, 200).empty());
}

TEST(Aupro, DegenerateAndBadInput) {
  const std::vector<float> map = {0.1f, 0.2f, 0.3f, 0.4f};
  const std::vector<uint8_t> none(4, 0), all(4, 1);
  EXPECT_TRUE(std::isnan(aupro(map.data(), none.data(), 1, 2, 2)));
  EXPECT_TRUE(std::isnan(aupro(map.data(), all.data(), 1, 2, 2)));
  EXPECT_TRUE(std::isnan(aupro_reference_approx(map.data(), none.data(), 1, 2, 2)));
  EXPECT_THROW(aupro(nullptr, none.data(), 1, 2, 2), std::invalid_argument);
  EXPECT_THROW(aupro(map.data(), none.data(), 1, 0, 2), std::invalid_argument);
  EXPECT_THROW(aupro(map.data(), none.data(), 1, 2, 2, 0.0), std::invalid_argument);
  EXPECT_THROW(aupro(map.data(), none.data(), 1, 2, 2, 1.5), std::invalid_argument);
  EXPECT_THROW(aupro_reference_approx(map.data(), none.data(), 1, 2, 2, 0), std::invalid_argument);
}

}  // namespace
}  // namespace decodiff::metrics
