// Where the R, G and B bytes of a mapped video frame are, for the formats the
// element reads directly, and the PackedFrame view the inspector takes.
#pragma once

#include <gst/video/video.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "inspector.h"
#include "rgb_bridge.h"

namespace decodiff::gst {

struct PixelLayout {
  int pixel_stride = 3;
  int channel_order[3] = {0, 1, 2};  // byte offsets of R, G, B in a pixel
};

// RGB, BGR, RGBA, BGRA, RGBx, BGRx; nullopt for any other format (YUV goes
// through an RgbBridge).
std::optional<PixelLayout> packed_rgb_layout(GstVideoFormat format);

// Plane 0 of a mapped packed-RGB frame, read in place.
PackedFrame packed_view(const GstVideoFrame& frame, const PixelLayout& layout);

// A mapped YUV frame converted into `rgb`; false when the conversion failed.
bool bridged_view(const RgbBridge& bridge, const GstVideoFrame& frame, std::vector<uint8_t>& rgb,
                  PackedFrame* view);

}  // namespace decodiff::gst
