// Frame pre-processing as the reference data loader does it (docs/algorithm.md,
// "Pre-processing"), on the engine's device: Pillow-style bicubic resize of the whole
// (region of the) frame to resize x resize, center crop, scale to [-1, 1].
#pragma once

#include <ATen/ATen.h>

namespace decodiff {

// Pillow's 8-bit bicubic resize emulated in float on any device (a = -0.5,
// support scaled by the downsampling factor, horizontal pass then vertical
// pass, each rounded to 8 bits): what the engine runs on a GPU, where the
// frame is resized after its upload. Pillow's fixed-point accumulation can
// round a pixel the other way (within one level, > 99 % exact); on the CPU the
// exact port (pillow_resize.h) is used instead.
// image: [B, 3, H, W] uint8 or float holding 0..255 values; returns float 0..255.
at::Tensor pillow_bicubic_resize(const at::Tensor& image, int64_t out_h, int64_t out_w);

// [B, 3, H, W] 0..255 -> [B, 3, crop, crop] in [-1, 1] (float32).
at::Tensor resize_crop_normalize(const at::Tensor& image, int resize, int crop);

// The second half of it: [B, 3, resize, resize] 0..255 (uint8 or float) ->
// center crop -> [B, 3, crop, crop] in [-1, 1] (float32), on the input's device.
at::Tensor crop_normalize(const at::Tensor& resized, int crop);

// Offset of the center crop inside a resize x resize image (albumentations' rule).
inline int center_crop_offset(int resize, int crop) { return (resize - crop) / 2; }

}  // namespace decodiff
