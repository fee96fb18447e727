// Drawing a result onto a packed 8-bit colour frame (3 or 4 bytes a pixel, R, G, B at any offsets).
#pragma once

#include "inspector.h"
#include "result.h"

namespace decodiff::gst {

enum class OverlayKind { kNone, kHeatmap, kContour };

// heatmap: the frame map through cv::COLORMAP_JET blended with `alpha` over
// the mapped rectangle, plus region boxes; contour: the outline of
// (map >= threshold); both: a score label (red when anomalous, green when
// normal, "(stale)" when the result is from an earlier frame). A failed
// inspection (result.error) gets a red box around the inspected rectangle and
// an "ERROR ..." label instead of the map. With several inspected regions,
// each one is drawn so, outlined in its verdict's colour with its class and
// score; the label at the top left is the frame's.
void draw_overlay(const MutableImageView& frame, const Result& result, OverlayKind kind, float alpha,
                  bool stale);

}  // namespace decodiff::gst
