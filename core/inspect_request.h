// One region of one frame to inspect, with its class: what Engine::inspect
// takes, in a header without ATen so that the element can build requests.
#pragma once

#include "image_view.h"

namespace decodiff {

struct InspectRequest {
  // Three channels at the byte offsets of R, G and B (image_view.h).
  ImageView frame;
  int class_id = 0;
  Rect roi;  // the region to inspect (frame coordinates); empty = the whole frame
};

}  // namespace decodiff
