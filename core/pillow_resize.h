// Pillow's bicubic resize of 8-bit images, bit for bit.
//
// The reference pre-processing is PIL.Image.resize(..., BICUBIC) on 8-bit
// images. Pillow resamples in fixed point (22-bit coefficients, integer
// accumulation, an 8-bit image between the horizontal and the vertical pass);
// no library we may use reproduces that exactly (ATen's antialiased bicubic
// differs in a few pixels per thousand, OpenCV's cubic is another filter), and
// the float emulation we had was 25x slower than needed on HD frames (34 ms for
// a 1080p frame). Integer accumulation is exact in any order, so this version
// is both exact and free to be fast.
#pragma once

#include <cstdint>
#include <vector>

namespace decodiff {

// An 8-bit image in memory: `channels` samples per pixel, at byte offsets
// channel_offset[0..channels) inside pixels `pixel_stride` bytes apart, rows
// `row_stride` bytes apart (e.g. BGRx as RGB: channels 3, pixel_stride 4,
// offsets {2, 1, 0}).
struct Image8View {
  const uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  int64_t row_stride = 0;
  int pixel_stride = 3;
  int channels = 3;
  int channel_offset[4] = {0, 1, 2, 3};
};

// PIL.Image.resize((out_w, out_h), Image.BICUBIC) of `in` (1 to 4 channels,
// each resampled independently, as Pillow does for L and RGB): out_h x out_w
// pixels of `channels` interleaved bytes. Throws std::invalid_argument on an
// empty or inconsistent view.
std::vector<uint8_t> pillow_resize_bicubic(const Image8View& in, int out_w, int out_h);

}  // namespace decodiff
