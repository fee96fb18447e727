#include "image_view.h"

namespace decodiff {

const char* image_view_problem(const ImageView& v) {
  if (!v.data || v.width <= 0 || v.height <= 0) return "empty image";
  if (v.channels < 1 || v.channels > 4) return "an image has 1 to 4 channels";
  for (int c = 0; c < v.channels; ++c)
    if (v.channel_offset[c] < 0 || v.channel_offset[c] >= v.pixel_stride)
      return "a channel offset lies outside the pixel";
  if (v.row_stride < int64_t{v.width} * v.pixel_stride)
    return "the image's strides are inconsistent with its width";
  return "";
}

}  // namespace decodiff
