// Pillow's bicubic resize of 8-bit images, bit for bit.
//
// The reference pre-processing is PIL.Image.resize(..., BICUBIC) on 8-bit
// images. Pillow resamples in fixed point (22-bit coefficients, integer
// accumulation, an 8-bit image between the horizontal and the vertical pass);
// no library we may use reproduces that exactly (ATen's antialiased bicubic
// differs in a few pixels per thousand, OpenCV's cubic is another filter), and
// a float emulation is too slow on HD frames (benchmarks/README.md,
// "Pre-processing of camera frames"). Integer accumulation is exact in any
// order, so this version is both exact and free to be fast.
#pragma once

#include <cstdint>
#include <vector>

#include "image_view.h"

namespace decodiff {

// PIL.Image.resize((out_w, out_h), Image.BICUBIC) of `in` (1 to 4 channels,
// each resampled independently, as Pillow does for L and RGB): out_h x out_w
// pixels of `channels` interleaved bytes. Throws std::invalid_argument on an
// empty or inconsistent view.
std::vector<uint8_t> pillow_resize_bicubic(const ImageView& in, int out_w, int out_h);

}  // namespace decodiff
