#include "frame_layout.h"

namespace decodiff::gst {

std::optional<PixelLayout> packed_rgb_layout(GstVideoFormat format) {
  auto make = [](int stride, int r, int g, int b) {
    PixelLayout l;
    l.pixel_stride = stride;
    l.channel_order[0] = r, l.channel_order[1] = g, l.channel_order[2] = b;
    return l;
  };
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      return make(3, 0, 1, 2);
    case GST_VIDEO_FORMAT_BGR:
      return make(3, 2, 1, 0);
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_RGBx:
      return make(4, 0, 1, 2);
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_BGRx:
      return make(4, 2, 1, 0);
    default:
      return std::nullopt;
  }
}

PackedFrame packed_view(const GstVideoFrame& frame, const PixelLayout& layout) {
  PackedFrame f;
  f.data = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  f.width = GST_VIDEO_FRAME_WIDTH(&frame);
  f.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  f.row_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  f.pixel_stride = layout.pixel_stride;
  for (int c = 0; c < 3; ++c) f.channel_order[c] = layout.channel_order[c];
  return f;
}

bool bridged_view(const RgbBridge& bridge, const GstVideoFrame& frame, std::vector<uint8_t>& rgb,
                  PackedFrame* f) {
  if (!bridge.to_rgb(frame, rgb)) return false;
  f->data = rgb.data();
  f->width = bridge.width();
  f->height = bridge.height();
  f->row_stride = bridge.row_stride();
  f->pixel_stride = 3;
  f->channel_order[0] = 0, f->channel_order[1] = 1, f->channel_order[2] = 2;
  return true;
}

}  // namespace decodiff::gst
