#include "preprocess.h"

namespace decodiff {
namespace {

at::Tensor round_to_u8_levels(const at::Tensor& x) { return (x + 0.5).floor().clamp(0, 255); }

}  // namespace

at::Tensor pillow_bicubic_resize(const at::Tensor& image, int64_t out_h, int64_t out_w) {
  auto x = image.to(at::kFloat);
  const int64_t h = x.size(2), w = x.size(3);
  // ATen's antialiased bicubic uses Pillow's kernel (a = -0.5) and support;
  // doing one axis at a time with 8-bit rounding in between mirrors Pillow.
  if (w != out_w) {
    x = round_to_u8_levels(at::_upsample_bicubic2d_aa(x, {h, out_w}, /*align_corners=*/false));
  }
  if (h != out_h) {
    x = round_to_u8_levels(at::_upsample_bicubic2d_aa(x, {out_h, out_w}, /*align_corners=*/false));
  }
  return x;
}

at::Tensor resize_crop_normalize(const at::Tensor& image, int resize, int crop) {
  return crop_normalize(pillow_bicubic_resize(image, resize, resize), crop);
}

at::Tensor crop_normalize(const at::Tensor& resized, int crop) {
  const int off = center_crop_offset(static_cast<int>(resized.size(2)), crop);
  auto cropped = resized.narrow(2, off, crop).narrow(3, off, crop).to(at::kFloat);
  return (cropped / 255.0f - 0.5f) / 0.5f;
}

}  // namespace decodiff
