#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "metrics/classification.h"

namespace decodiff::metrics {
namespace {

// The scikit-learn documentation's example, worked by hand: thresholds 0.8,
// 0.4, 0.35, 0.1 give (TP, FP) = (1,0), (1,1), (2,1), (2,2).
const std::vector<float> kScores = {0.1f, 0.4f, 0.35f, 0.8f};
const std::vector<uint8_t> kLabels = {0, 0, 1, 1};

TEST(Classification, AurocByHand) {
  EXPECT_DOUBLE_EQ(auroc(kScores, kLabels), 0.75);
  // A tied (anomalous, normal) pair counts one half: (0.5 + 1 + 1 + 1) / 4.
  EXPECT_DOUBLE_EQ(auroc({0.5f, 0.5f, 0.2f, 0.9f}, {1, 0, 0, 1}), 0.875);
  EXPECT_DOUBLE_EQ(auroc({0.3f, 0.3f, 0.3f}, {1, 0, 0}), 0.5);
  EXPECT_DOUBLE_EQ(auroc({0.1f, 0.2f}, {1, 0}), 0.0);
}

TEST(Classification, AveragePrecisionByHand) {
  // 0.5 * 1 + 0.5 * 2/3: recall steps at 0.8 (precision 1) and 0.35 (precision 2/3).
  EXPECT_NEAR(average_precision(kScores, kLabels), 0.5 + 0.5 * 2.0 / 3.0, 1e-15);
  // All tied: one step to recall 1 at precision 2/5.
  EXPECT_DOUBLE_EQ(average_precision({0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, {1, 0, 1, 0, 0}), 0.4);
}

TEST(Classification, F1MaxByHand) {
  // F1 at 0.8: 2/3, at 0.4: 1/2, at 0.35: 2*(2/3)*1/(5/3) = 0.8, at 0.1: 2/3.
  const F1Max best = f1_max(kScores, kLabels);
  EXPECT_NEAR(best.f1, 0.8, 1e-15);
  EXPECT_FLOAT_EQ(best.threshold, 0.35f);
  EXPECT_EQ(f1_optimal_threshold(kScores, kLabels), best.threshold);
  // Equal F1 (2/3) at 0.9 and 0.6: the lower threshold wins.
  EXPECT_FLOAT_EQ(f1_max({0.9f, 0.8f, 0.7f, 0.6f, 0.1f}, {1, 0, 0, 1, 0}).threshold, 0.6f);
}

TEST(Classification, DegenerateLabels) {
  const std::vector<float> scores = {0.1f, 0.5f, 0.7f};
  EXPECT_TRUE(std::isnan(auroc(scores, {0, 0, 0})));
  EXPECT_TRUE(std::isnan(auroc(scores, {1, 1, 1})));
  EXPECT_EQ(average_precision(scores, {0, 0, 0}), 0.0);
  EXPECT_EQ(average_precision(scores, {1, 1, 1}), 1.0);
  const F1Max none = f1_max(scores, {0, 0, 0});
  EXPECT_EQ(none.f1, 0.0);
  EXPECT_TRUE(std::isnan(none.threshold));
  EXPECT_TRUE(std::isnan(auroc({}, {})));
  EXPECT_TRUE(std::isnan(average_precision({}, {})));
}

TEST(Classification, SignedZerosAreTied) {
  EXPECT_DOUBLE_EQ(auroc({-0.0f, 0.0f}, {1, 0}), 0.5);
  EXPECT_DOUBLE_EQ(auroc({0.0f, -0.0f}, {1, 0}), 0.5);
}

TEST(Classification, BadInputThrows) {
  EXPECT_THROW(auroc({0.1f, 0.2f}, {0}), std::invalid_argument);
  EXPECT_THROW(auroc({0.1f, 0.2f}, {0, 2}), std::invalid_argument);
  EXPECT_THROW(average_precision({0.1f, NAN}, {0, 1}), std::invalid_argument);
  EXPECT_THROW(f1_max({0.1f, INFINITY}, {0, 1}), std::invalid_argument);
}

TEST(Percentile, LinearInterpolationByHand) {
  const std::vector<float> v = {4.0f, 1.0f, 3.0f, 2.0f};
  EXPECT_DOUBLE_EQ(percentile_threshold(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile_threshold(v, 25.0), 1.75);
  EXPECT_DOUBLE_EQ(percentile_threshold(v, 50.0), 2.5);
  EXPECT_DOUBLE_EQ(percentile_threshold(v, 100.0), 4.0);
  EXPECT_DOUBLE_EQ(percentile_threshold({7.0f}, 42.0), 7.0);
}

TEST(Percentile, BadInputThrows) {
  EXPECT_THROW(percentile_threshold({}, 50.0), std::invalid_argument);
  EXPECT_THROW(percentile_threshold({1.0f}, -1.0), std::invalid_argument);
  EXPECT_THROW(percentile_threshold({1.0f}, 100.5), std::invalid_argument);
  EXPECT_THROW(percentile_threshold({1.0f}, NAN), std::invalid_argument);
  EXPECT_THROW(percentile_threshold({1.0f, NAN}, 50.0), std::invalid_argument);
}

}  // namespace
}  // namespace decodiff::metrics
