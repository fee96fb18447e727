#include "pillow_resize.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace decodiff {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's PRECISION_BITS for 8-bit images
constexpr double kBicubicSupport = 2.0;

// Keys' cubic with a = -0.5, as Pillow's bicubic_filter.
double bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// The taps of one resampling direction: output i reads `count[i]` inputs from
// `first[i]` on with fixed-point weights `weights[i * taps ...]` (Pillow's
// precompute_coeffs followed by normalize_coeffs_8bpc).
struct Taps {
  int taps = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

Taps compute_taps(int in_size, int out_size) {
  Taps t;
  const double scale = static_cast<double>(static_cast<float>(in_size)) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = kBicubicSupport * filterscale;
  t.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(static_cast<size_t>(out_size) * t.taps, 0);
  std::vector<double> k(t.taps);
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int lo = std::max(0, static_cast<int>(center - support + 0.5));
    const int hi = std::min(in_size, static_cast<int>(center + support + 0.5));
    const int n = hi - lo;
    double sum = 0.0;
    for (int x = 0; x < n; ++x) sum += k[x] = bicubic((x + lo - center + 0.5) * ss);
    for (int x = 0; x < n; ++x) {
      const double w = sum != 0.0 ? k[x] / sum : k[x];
      t.weights[static_cast<size_t>(o) * t.taps + x] =
          static_cast<int32_t>(w < 0 ? -0.5 + w * (1 << kPrecisionBits) : 0.5 + w * (1 << kPrecisionBits));
    }
    t.first[o] = lo;
    t.count[o] = n;
  }
  return t;
}

inline uint8_t clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;  // arithmetic shift, as Pillow's lookup index
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// A packed image of `channels` interleaved bytes per pixel, as a view.
ImageView packed_view(const std::vector<uint8_t>& data, int width, int height, int channels) {
  ImageView v;
  v.data = data.data();
  v.width = width;
  v.height = height;
  v.pixel_stride = channels;
  v.channels = channels;
  v.row_stride = static_cast<int64_t>(width) * channels;
  for (int c = 0; c < 4; ++c) v.channel_offset[c] = c;
  return v;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define DECODIFF_WITH_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#else
#define DECODIFF_WITH_AVX2_CLONE
#endif

// One row's channel planes (`planes`: channels x width int32) resampled to
// out_w pixels of interleaved channels. The hot loop of the whole resize: built
// for AVX2 too (chosen at run time), which multiplies 8 int32 at once.
DECODIFF_WITH_AVX2_CLONE void resample_row(const int32_t* planes, int width, int channels, const Taps& taps,
                                           uint8_t* dst) {
  const int out_w = static_cast<int>(taps.first.size());
  for (int o = 0; o < out_w; ++o) {
    const int32_t* w = &taps.weights[static_cast<size_t>(o) * taps.taps];
    const int n = taps.count[o];
    for (int c = 0; c < channels; ++c) {
      const int32_t* v = planes + static_cast<size_t>(c) * width + taps.first[o];
      int32_t acc = 1 << (kPrecisionBits - 1);
      for (int i = 0; i < n; ++i) acc += v[i] * w[i];  // exact: integers, any order
      dst[o * channels + c] = clip8(acc);
    }
  }
}

// Rows [row_first, row_first + rows) of `in` resampled horizontally to width
// taps.first.size(): Pillow's ImagingResampleHorizontal_8bpc. Rows are
// independent and spread over LibTorch's threads.
std::vector<uint8_t> horizontal_pass(const ImageView& in, const Taps& taps, int row_first, int rows) {
  const int channels = in.channels, out_w = static_cast<int>(taps.first.size());
  std::vector<uint8_t> out(static_cast<size_t>(rows) * out_w * channels);
  at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> planes(static_cast<size_t>(in.width) * channels);
    for (int64_t y = begin; y < end; ++y) {
      const uint8_t* row = in.data + (y + row_first) * in.row_stride;
      for (int c = 0; c < channels; ++c) {
        int32_t* p = &planes[static_cast<size_t>(c) * in.width];
        const uint8_t* src = row + in.channel_offset[c];
        for (int x = 0; x < in.width; ++x) p[x] = src[x * in.pixel_stride];
      }
      resample_row(planes.data(), in.width, channels, taps, &out[static_cast<size_t>(y) * out_w * channels]);
    }
  });
  return out;
}

// `in` resampled vertically to height taps.first.size(), reading rows
// taps.first[o] - row_offset on: Pillow's ImagingResampleVertical_8bpc.
std::vector<uint8_t> vertical_pass(const ImageView& in, const Taps& taps, int row_offset) {
  const int channels = in.channels, out_h = static_cast<int>(taps.first.size());
  const size_t row_len = static_cast<size_t>(in.width) * channels;
  std::vector<uint8_t> out(static_cast<size_t>(out_h) * row_len);
  std::vector<int32_t> acc(row_len);
  for (int o = 0; o < out_h; ++o) {
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    const int32_t* w = &taps.weights[static_cast<size_t>(o) * taps.taps];
    for (int i = 0; i < taps.count[o]; ++i) {
      const uint8_t* row = in.data + static_cast<int64_t>(taps.first[o] - row_offset + i) * in.row_stride;
      const int32_t wi = w[i];
      for (int x = 0; x < in.width; ++x)
        for (int c = 0; c < channels; ++c)
          acc[static_cast<size_t>(x) * channels + c] += row[x * in.pixel_stride + in.channel_offset[c]] * wi;
    }
    uint8_t* dst = &out[static_cast<size_t>(o) * row_len];
    for (size_t j = 0; j < row_len; ++j) dst[j] = clip8(acc[j]);
  }
  return out;
}

}  // namespace

std::vector<uint8_t> pillow_resize_bicubic(const ImageView& in, int out_w, int out_h) {
  if (out_w <= 0 || out_h <= 0) throw std::invalid_argument("pillow_resize_bicubic: empty output size");
  if (const std::string problem = image_view_problem(in); !problem.empty())
    throw std::invalid_argument("pillow_resize_bicubic: " + problem);
  const int channels = in.channels;
  const bool horizontal = out_w != in.width, vertical = out_h != in.height;
  if (!horizontal && !vertical) {
    std::vector<uint8_t> copy(static_cast<size_t>(in.width) * in.height * channels);
    for (int y = 0; y < in.height; ++y)
      for (int x = 0; x < in.width; ++x)
        for (int c = 0; c < channels; ++c)
          copy[(static_cast<size_t>(y) * in.width + x) * channels + c] =
              in.data[y * in.row_stride + x * in.pixel_stride + in.channel_offset[c]];
    return copy;
  }
  const Taps th = compute_taps(in.width, out_w), tv = compute_taps(in.height, out_h);
  // Pillow (since 11): when the height shrinks by more than twice as many
  // pixels as the width, the vertical pass runs first.
  const bool horizontal_first = !((in.height - out_h) > 0 && (in.height - out_h) > (in.width - out_w) * 2);
  if (horizontal_first) {
    if (!vertical) return horizontal_pass(in, th, 0, in.height);
    if (!horizontal) return vertical_pass(in, tv, 0);
    // Only the rows the vertical pass reads are resampled horizontally.
    const int row_first = tv.first.front(), row_last = tv.first.back() + tv.count.back();
    const auto mid = horizontal_pass(in, th, row_first, row_last - row_first);
    return vertical_pass(packed_view(mid, out_w, row_last - row_first, channels), tv, row_first);
  }
  const auto mid = vertical_pass(in, tv, 0);
  if (!horizontal) return mid;
  return horizontal_pass(packed_view(mid, in.width, out_h, channels), th, 0, out_h);
}

}  // namespace decodiff
