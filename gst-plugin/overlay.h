// Drawing a result onto a packed 8-bit frame (RGB/BGR/RGBA/BGRA/RGBx/BGRx).
#pragma once

#include "inspector.h"
#include "result.h"

namespace decodiff::gst {

enum class OverlayKind { kNone, kHeatmap, kContour };

struct FrameTarget {
  uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  int64_t row_stride = 0;
  int pixel_stride = 3;
  int channel_order[3] = {0, 1, 2};
};

// heatmap: the frame map through cv::COLORMAP_JET blended with `alpha` over
// the mapped rectangle, plus region boxes; contour: the outline of
// (map >= threshold); both: a score label (red when anomalous, green when
// normal, "(stale)" when the result is from an earlier frame). A failed
// inspection (result.error) gets a red box around the inspected rectangle and
// an "ERROR ..." label instead of the map.
void draw_overlay(const FrameTarget& frame, const Result& result, OverlayKind kind, float alpha, bool stale);

}  // namespace decodiff::gst
