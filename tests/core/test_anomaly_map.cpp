#include <gtest/gtest.h>

#include "anomaly_map.h"
#include "../common/test_data.h"

namespace decodiff {
namespace {

using testing::load_golden;
using testing::max_abs_diff;

class ReferenceNumerics : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { golden_ = new io::SafetensorsContent(load_golden("numerics.safetensors")); }
  static void TearDownTestSuite() { delete golden_; }
  static const at::Tensor& t(const std::string& name) { return golden_->tensors.at(name); }
  static io::SafetensorsContent* golden_;
};
io::SafetensorsContent* ReferenceNumerics::golden_ = nullptr;

TEST_F(ReferenceNumerics, GaussianBlurEqualsScipy) {
  const auto sigmas = t("blur_sigma");
  const char* cases[] = {"a", "b", "c", "d"};
  for (int i = 0; i < 4; ++i) {
    const std::string c = cases[i];
    auto out = gaussian_blur(t("blur_in_" + c), sigmas[i].item<double>());
    EXPECT_LE(max_abs_diff(out, t("blur_out_" + c)), 1e-6) << "case " << c << " sigma " << sigmas[i].item<double>();
  }
}

TEST_F(ReferenceNumerics, GaussianBlurEdgesDifferFromReflect101) {
  // A wrong border rule shows at the edge pixels first.
  auto in = t("blur_in_a");
  auto expected = t("blur_out_a");
  auto out = gaussian_blur(in, 3.0);
  EXPECT_LE(max_abs_diff(out.select(0, 0), expected.select(0, 0)), 1e-6);
  EXPECT_LE(max_abs_diff(out.select(1, 63), expected.select(1, 63)), 1e-6);
}

TEST_F(ReferenceNumerics, ResizeEqualsSkimage) {
  const char* cases[] = {"a", "b", "c"};
  for (const char* c : cases) {
    const auto& expected = t(std::string("resize_out_") + c);
    auto out = resize_linear(t(std::string("resize_in_") + c), expected.size(0), expected.size(1));
    ASSERT_EQ(out.sizes(), expected.sizes());
    EXPECT_LE(max_abs_diff(out, expected), 1e-6) << "case " << c;
    EXPECT_LE(max_abs_diff(out.select(0, 0), expected.select(0, 0)), 1e-6) << "edge row, case " << c;
  }
}

TEST_F(ReferenceNumerics, BlurBatchesIndependently) {
  auto a = t("blur_in_a");
  auto stacked = at::stack({a, a.flip(0)});
  auto out = gaussian_blur(stacked, 3.0);
  EXPECT_LE(max_abs_diff(out[0], t("blur_out_a")), 1e-6);
  EXPECT_LE(max_abs_diff(out[1], gaussian_blur(a.flip(0), 3.0)), 1e-6);
}

TEST(AnomalyMap, IdenticalInputsGiveZeroMap) {
  auto img = at::rand({2, 3, 32, 32}) * 2 - 1;
  auto lat = at::randn({2, 4, 8, 8});
  auto maps = compute_anomaly_maps(img, img, lat, lat, AnomalyMapConfig{});
  EXPECT_EQ(maps.fused.sizes(), (at::IntArrayRef{2, 32, 32}));
  EXPECT_EQ(maps.score.max().item<float>(), 0.0f);
}

TEST(AnomalyMap, SaturatedDiscrepancyGivesOne) {
  auto img = at::zeros({1, 3, 32, 32});
  auto lat = at::zeros({1, 4, 8, 8});
  auto maps = compute_anomaly_maps(img + 1.0, img, lat + 1.0, lat, AnomalyMapConfig{});
  EXPECT_NEAR(maps.fused.min().item<float>(), 1.0f, 1e-5);
  EXPECT_NEAR(maps.score[0].item<float>(), 1.0f, 1e-5);
  AnomalyMapConfig arithmetic;
  arithmetic.fusion = "arithmetic";
  auto half = compute_anomaly_maps(img + 1.0, img, lat, lat, arithmetic);
  EXPECT_NEAR(half.fused.max().item<float>(), 0.5f, 1e-5);
}

}  // namespace
}  // namespace decodiff
