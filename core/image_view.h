// A picture in host memory and a rectangle on it: the one shape every layer
// passes frames in (the engine, the resize, the element, the overlay). No
// ATen, no OpenCV, no GStreamer, so any layer can include it.
#pragma once

#include <cstdint>
#include <type_traits>

namespace decodiff {

// A rectangle in pixels (frame coordinates unless said otherwise).
struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
  bool empty() const { return width <= 0 || height <= 0; }
  bool operator==(const Rect& o) const {
    return x == o.x && y == o.y && width == o.width && height == o.height;
  }
  bool operator!=(const Rect& o) const { return !(*this == o); }
};

// The overlap of two rectangles (empty when they do not meet).
inline Rect intersect(const Rect& a, const Rect& b) {
  const int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
  // 64 bits: x + width may pass INT_MAX for rectangles that come from settings.
  const int64_t ax1 = int64_t{a.x} + a.width, bx1 = int64_t{b.x} + b.width;
  const int64_t ay1 = int64_t{a.y} + a.height, by1 = int64_t{b.y} + b.height;
  const int64_t w = (ax1 < bx1 ? ax1 : bx1) - x0, h = (ay1 < by1 ? ay1 : by1) - y0;
  return Rect{x0, y0, w > 0 ? static_cast<int>(w) : 0, h > 0 ? static_cast<int>(h) : 0};
}

// An 8-bit interleaved image: `channels` samples per pixel at the byte
// offsets channel_offset[0..channels) inside pixels `pixel_stride` bytes
// apart, rows `row_stride` bytes apart. A colour frame has three channels whose
// offsets are those of R, G and B: RGB {0, 1, 2} with pixel stride 3, BGRx
// {2, 1, 0} with pixel stride 4.
template <typename Byte>
struct BasicImageView {
  Byte* data = nullptr;
  int width = 0;
  int height = 0;
  int64_t row_stride = 0;
  int pixel_stride = 3;
  int channels = 3;
  int channel_offset[4] = {0, 1, 2, 3};

  // A writable view reads as a read-only one.
  template <typename B = Byte, typename = std::enable_if_t<!std::is_const_v<B>>>
  operator BasicImageView<const B>() const {
    BasicImageView<const B> v;
    v.data = data;
    v.width = width;
    v.height = height;
    v.row_stride = row_stride;
    v.pixel_stride = pixel_stride;
    v.channels = channels;
    for (int c = 0; c < 4; ++c) v.channel_offset[c] = channel_offset[c];
    return v;
  }

  Byte* pixel(int x, int y) const { return data + y * row_stride + static_cast<int64_t>(x) * pixel_stride; }
  // The same pixels restricted to `r` (which must lie inside the image).
  BasicImageView region(const Rect& r) const {
    BasicImageView v = *this;
    v.data = pixel(r.x, r.y);
    v.width = r.width;
    v.height = r.height;
    return v;
  }
};

using ImageView = BasicImageView<const uint8_t>;
using MutableImageView = BasicImageView<uint8_t>;

// A colour view: R, G and B at byte offsets r, g, b of pixels `pixel_stride` bytes apart.
template <typename Byte>
BasicImageView<Byte> color_view(Byte* data, int width, int height, int64_t row_stride, int pixel_stride = 3,
                                int r = 0, int g = 1, int b = 2) {
  BasicImageView<Byte> v;
  v.data = data;
  v.width = width;
  v.height = height;
  v.row_stride = row_stride;
  v.pixel_stride = pixel_stride;
  v.channels = 3;
  v.channel_offset[0] = r;
  v.channel_offset[1] = g;
  v.channel_offset[2] = b;
  return v;
}

// Why a view cannot be read ("" when it can): no data, no pixels, channels
// outside 1..4, offsets outside a pixel, or rows shorter than width pixels.
const char* image_view_problem(const ImageView& view);

}  // namespace decodiff
