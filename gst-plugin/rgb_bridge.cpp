#include "rgb_bridge.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace decodiff::gst {
namespace {

GstVideoConverter* make_converter(const GstVideoInfo& in, const GstVideoInfo& out) {
  // No dithering: 8-bit to 8-bit needs none, and the result must be repeatable.
  GstStructure* config = gst_structure_new("decodiff-rgb-bridge", GST_VIDEO_CONVERTER_OPT_DITHER_METHOD,
                                           GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE, NULL);
  return gst_video_converter_new(const_cast<GstVideoInfo*>(&in), const_cast<GstVideoInfo*>(&out), config);
}

// Maps `data` as a frame of `info` without copying.
bool map_packed(const GstVideoInfo& info, uint8_t* data, GstMapFlags flags, GstBuffer** buffer,
                GstVideoFrame* frame) {
  *buffer = gst_buffer_new_wrapped_full(static_cast<GstMemoryFlags>(0), data, GST_VIDEO_INFO_SIZE(&info), 0,
                                        GST_VIDEO_INFO_SIZE(&info), NULL, NULL);
  if (gst_video_frame_map(frame, const_cast<GstVideoInfo*>(&info), *buffer, flags)) return true;
  gst_buffer_unref(*buffer);
  return false;
}

}  // namespace

bool RgbBridge::handles(GstVideoFormat format) {
  return format == GST_VIDEO_FORMAT_I420 || format == GST_VIDEO_FORMAT_NV12 ||
         format == GST_VIDEO_FORMAT_YUY2;
}

RgbBridge::RgbBridge(const GstVideoInfo& yuv_info) : yuv_info_(yuv_info) {
  gst_video_info_set_format(&rgb_info_, GST_VIDEO_FORMAT_RGB, GST_VIDEO_INFO_WIDTH(&yuv_info),
                            GST_VIDEO_INFO_HEIGHT(&yuv_info));
  // The converter only changes the format: rate, aspect and interlacing must match.
  GST_VIDEO_INFO_FPS_N(&rgb_info_) = GST_VIDEO_INFO_FPS_N(&yuv_info);
  GST_VIDEO_INFO_FPS_D(&rgb_info_) = GST_VIDEO_INFO_FPS_D(&yuv_info);
  GST_VIDEO_INFO_PAR_N(&rgb_info_) = GST_VIDEO_INFO_PAR_N(&yuv_info);
  GST_VIDEO_INFO_PAR_D(&rgb_info_) = GST_VIDEO_INFO_PAR_D(&yuv_info);
  GST_VIDEO_INFO_INTERLACE_MODE(&rgb_info_) = GST_VIDEO_INFO_INTERLACE_MODE(&yuv_info);
  to_rgb_ = make_converter(yuv_info_, rgb_info_);
  from_rgb_ = make_converter(rgb_info_, yuv_info_);
  if (!to_rgb_ || !from_rgb_) {
    if (to_rgb_) gst_video_converter_free(to_rgb_);
    if (from_rgb_) gst_video_converter_free(from_rgb_);
    throw std::runtime_error(std::string("GStreamer cannot convert ") +
                             gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&yuv_info)) + " to RGB");
  }
}

RgbBridge::~RgbBridge() {
  gst_video_converter_free(to_rgb_);
  gst_video_converter_free(from_rgb_);
}

bool RgbBridge::to_rgb(const GstVideoFrame& yuv, std::vector<uint8_t>& rgb) const {
  rgb.resize(GST_VIDEO_INFO_SIZE(&rgb_info_));
  GstBuffer* buffer = nullptr;
  GstVideoFrame out;
  if (!map_packed(rgb_info_, rgb.data(), GST_MAP_WRITE, &buffer, &out)) return false;
  gst_video_converter_frame(to_rgb_, &yuv, &out);
  gst_video_frame_unmap(&out);
  gst_buffer_unref(buffer);
  return true;
}

bool RgbBridge::write_back(const std::vector<uint8_t>& drawn, const std::vector<uint8_t>& original,
                           GstVideoFrame& yuv) {
  const size_t size = GST_VIDEO_INFO_SIZE(&rgb_info_);
  if (drawn.size() < size || original.size() < size) return false;
  GstBuffer* in_buffer = nullptr;
  GstVideoFrame in;
  if (!map_packed(rgb_info_, const_cast<uint8_t*>(drawn.data()), GST_MAP_READ, &in_buffer, &in)) return false;
  yuv_scratch_.resize(GST_VIDEO_INFO_SIZE(&yuv_info_));
  GstBuffer* out_buffer = nullptr;
  GstVideoFrame converted;
  const bool ok = map_packed(yuv_info_, yuv_scratch_.data(), GST_MAP_WRITE, &out_buffer, &converted);
  if (ok) gst_video_converter_frame(from_rgb_, &in, &converted);
  gst_video_frame_unmap(&in);
  gst_buffer_unref(in_buffer);
  if (!ok) return false;

  // Blocks of `align` rows and columns hold whole chroma samples in every plane.
  const GstVideoFormatInfo* f = yuv.info.finfo;
  const guint n_comp = GST_VIDEO_FORMAT_INFO_N_COMPONENTS(f);
  int align = 1;
  for (guint c = 0; c < n_comp; ++c)
    align = std::max({align, 1 << GST_VIDEO_FORMAT_INFO_W_SUB(f, c), 1 << GST_VIDEO_FORMAT_INFO_H_SUB(f, c)});
  const int w = width(), h = height(), stride = row_stride();
  for (int y0 = 0; y0 < h; y0 += align) {
    const int y1 = std::min(h, y0 + align);
    int first = w, last = -1;
    for (int y = y0; y < y1; ++y) {
      const uint8_t* a = drawn.data() + static_cast<size_t>(y) * stride;
      const uint8_t* b = original.data() + static_cast<size_t>(y) * stride;
      for (int x = 0; x < first; ++x)
        if (std::memcmp(a + x * 3, b + x * 3, 3) != 0) {
          first = x;
          break;
        }
      for (int x = w - 1; x > last; --x)
        if (std::memcmp(a + x * 3, b + x * 3, 3) != 0) {
          last = x;
          break;
        }
    }
    if (last < first) continue;
    const int x0 = first / align * align, x1 = std::min(w, (last + align) / align * align);
    for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&yuv); ++p) {
      // The first component stored in this plane gives its sampling and pixel stride.
      guint c = 0;
      while (c < n_comp && GST_VIDEO_FORMAT_INFO_PLANE(f, c) != p) ++c;
      if (c == n_comp) continue;
      const int pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE(f, c);
      const int bx0 = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH(f, c, x0) * pstride;
      const int bx1 = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH(f, c, x1) * pstride;
      const int r0 = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT(f, c, y0);
      const int r1 = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT(f, c, y1);
      auto* dst = static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&yuv, p));
      const auto* src = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&converted, p));
      const int dst_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&yuv, p);
      const int src_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&converted, p);
      for (int r = r0; r < r1; ++r)
        std::memcpy(dst + r * dst_stride + bx0, src + r * src_stride + bx0, bx1 - bx0);
    }
  }
  gst_video_frame_unmap(&converted);
  gst_buffer_unref(out_buffer);
  return true;
}

}  // namespace decodiff::gst
