#include <gtest/gtest.h>

#include <algorithm>

#include "../common/test_data.h"
#include "pillow_resize.h"
#include "preprocess.h"

namespace decodiff {
namespace {

at::Tensor hwc_to_bchw(const at::Tensor& hwc) { return hwc.permute({2, 0, 1}).unsqueeze(0).contiguous(); }

TEST(PillowBicubic, MatchesPillowWithinOneLevel) {
  auto g = testing::load_golden("numerics.safetensors");
  for (const std::string c : {"a", "b"}) {
    const auto& expected = g.tensors.at("pil_resized_" + c);
    auto out =
        pillow_bicubic_resize(hwc_to_bchw(g.tensors.at("pil_src_" + c)), expected.size(0), expected.size(1));
    auto diff = (out[0].permute({1, 2, 0}) - expected.to(at::kFloat)).abs();
    // Pillow accumulates in fixed point; a pixel whose exact value sits at a
    // rounding boundary may land one level away (docs/model-format.md).
    EXPECT_LE(diff.max().item<float>(), 1.0f) << "case " << c;
    const double exact = (diff == 0).to(at::kDouble).mean().item<double>();
    EXPECT_GE(exact, 0.99) << "case " << c << ": only " << exact * 100 << "% of values exact";
    RecordProperty("exact_fraction_" + c, std::to_string(exact));
  }
}

ImageView hwc_view(const at::Tensor& hwc, int pixel_stride = 3) {
  ImageView v;
  v.data = hwc.data_ptr<uint8_t>();
  v.height = static_cast<int>(hwc.size(0));
  v.width = static_cast<int>(hwc.size(1));
  v.pixel_stride = pixel_stride;
  v.channels = std::min(pixel_stride, 3);
  v.row_stride = v.width * int64_t{pixel_stride};
  return v;
}

at::Tensor as_tensor(const std::vector<uint8_t>& bytes, int h, int w, int c) {
  return at::from_blob(const_cast<uint8_t*>(bytes.data()), {h, w, c}, at::TensorOptions().dtype(at::kByte))
      .clone();
}

// The integer port reproduces Pillow byte for byte (downscale 640x480 -> 72,
// upscale 100x120 -> 288), whatever the pixel layout of the source.
TEST(PillowResizeExact, EqualsPillowByteForByte) {
  auto g = testing::load_golden("numerics.safetensors");
  for (const std::string c : {"a", "b"}) {
    const auto src = g.tensors.at("pil_src_" + c).contiguous();
    const auto& expected = g.tensors.at("pil_resized_" + c);
    const int oh = static_cast<int>(expected.size(0)), ow = static_cast<int>(expected.size(1));
    const auto out = pillow_resize_bicubic(hwc_view(src), ow, oh);
    EXPECT_TRUE(as_tensor(out, oh, ow, 3).equal(expected)) << "case " << c;
    // The same pixels as BGRx (4-byte pixels, reversed channel order).
    auto bgrx = at::cat({src.flip(2), at::full({src.size(0), src.size(1), 1}, 7, at::kByte)}, 2).contiguous();
    auto v = hwc_view(bgrx, 4);
    v.channel_offset[0] = 2, v.channel_offset[1] = 1, v.channel_offset[2] = 0;
    EXPECT_EQ(pillow_resize_bicubic(v, ow, oh), out) << "case " << c << " as BGRx";
  }
}

TEST(PillowResizeExact, RegionsSingleChannelsAndIdentity) {
  auto g = testing::load_golden("numerics.safetensors");
  const auto src = g.tensors.at("pil_src_b").contiguous();  // 480x640x3
  // A region of the frame (row_stride of the full frame) equals the cropped copy.
  auto region = src.narrow(0, 100, 200).narrow(1, 50, 300).contiguous();
  auto v = hwc_view(src);
  v.data += 100 * v.row_stride + 50 * 3;
  v.width = 300, v.height = 200;
  EXPECT_EQ(pillow_resize_bicubic(v, 72, 72), pillow_resize_bicubic(hwc_view(region), 72, 72));
  // One channel of an RGB image = that channel resized alone.
  auto green = src.select(2, 1).contiguous().unsqueeze(2);
  auto g1 = hwc_view(src);
  g1.channels = 1, g1.channel_offset[0] = 1;
  EXPECT_EQ(pillow_resize_bicubic(g1, 64, 48), pillow_resize_bicubic(hwc_view(green, 1), 64, 48));
  auto rgb_out = as_tensor(pillow_resize_bicubic(hwc_view(src), 64, 48), 48, 64, 3);
  auto g_out = as_tensor(pillow_resize_bicubic(g1, 64, 48), 48, 64, 1);
  EXPECT_TRUE(rgb_out.select(2, 1).equal(g_out.select(2, 0)));
  // Same size: a copy.
  EXPECT_TRUE(as_tensor(pillow_resize_bicubic(hwc_view(src), 640, 480), 480, 640, 3).equal(src));
  // Bad input: one clear exception.
  ImageView bad = hwc_view(src);
  bad.row_stride = 10;
  EXPECT_THROW(pillow_resize_bicubic(bad, 72, 72), std::invalid_argument);
  EXPECT_THROW(pillow_resize_bicubic(hwc_view(src), 0, 72), std::invalid_argument);
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
