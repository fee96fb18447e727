#include <gtest/gtest.h>

#include "preprocess.h"
#include "../common/test_data.h"

namespace decodiff {
namespace {

at::Tensor hwc_to_bchw(const at::Tensor& hwc) { return hwc.permute({2, 0, 1}).unsqueeze(0).contiguous(); }

TEST(PillowBicubic, MatchesPillowWithinOneLevel) {
  auto g = testing::load_golden("numerics.safetensors");
  for (const std::string c : {"a", "b"}) {
    const auto& expected = g.tensors.at("pil_resized_" + c);
    auto out = pillow_bicubic_resize(hwc_to_bchw(g.tensors.at("pil_src_" + c)), expected.size(0), expected.size(1));
    auto diff = (out[0].permute({1, 2, 0}) - expected.to(at::kFloat)).abs();
    // Pillow accumulates in fixed point; a pixel whose exact value sits at a
    // rounding boundary may land one level away (docs/model-format.md).
    EXPECT_LE(diff.max().item<float>(), 1.0f) << "case " << c;
    const double exact = (diff == 0).to(at::kDouble).mean().item<double>();
    EXPECT_GE(exact, 0.99) << "case " << c << ": only " << exact * 100 << "% of values exact";
    RecordProperty("exact_fraction_" + c, std::to_string(exact));
  }
}

TEST(PillowBicubic, ReferenceTensorWithinOneLevel) {
  auto g = testing::load_golden("numerics.safetensors");
  auto a = resize_crop_normalize(hwc_to_bchw(g.tensors.at("pil_src_a")), 288, 256);
  auto b = resize_crop_normalize(hwc_to_bchw(g.tensors.at("pil_src_b")), 72, 64);
  EXPECT_LE(testing::max_abs_diff(a[0], g.tensors.at("pil_tensor_a")), 2.0 / 255.0 + 1e-6);
  EXPECT_LE(testing::max_abs_diff(b[0], g.tensors.at("pil_tensor_b")), 2.0 / 255.0 + 1e-6);
  EXPECT_GE(a.min().item<float>(), -1.0f);
  EXPECT_LE(a.max().item<float>(), 1.0f);
}

TEST(CenterCrop, OffsetLikeAlbumentations) {
  EXPECT_EQ(center_crop_offset(288, 256), 16);
  EXPECT_EQ(center_crop_offset(72, 64), 4);
  EXPECT_EQ(center_crop_offset(257, 256), 0);
}

}  // namespace
}  // namespace decodiff
