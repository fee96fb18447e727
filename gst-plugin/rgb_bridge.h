// Packed RGB copies of frames in the YUV formats cameras and decoders deliver
// (I420, NV12, YUY2), and the way back for the overlay. The conversion is
// GStreamer's own GstVideoConverter, which videoconvert runs, so the engine sees
// the pixels a `videoconvert ! video/x-raw,format=RGB` pipeline would give it,
// with the colorimetry of the caps.
#pragma once

#include <gst/video/video.h>

#include <cstdint>
#include <vector>

namespace decodiff::gst {

class RgbBridge {
 public:
  static bool handles(GstVideoFormat format);

  // Throws std::runtime_error when GStreamer cannot convert these caps.
  explicit RgbBridge(const GstVideoInfo& yuv_info);
  ~RgbBridge();
  RgbBridge(const RgbBridge&) = delete;
  RgbBridge& operator=(const RgbBridge&) = delete;

  int width() const { return GST_VIDEO_INFO_WIDTH(&rgb_info_); }
  int height() const { return GST_VIDEO_INFO_HEIGHT(&rgb_info_); }
  int row_stride() const { return GST_VIDEO_INFO_PLANE_STRIDE(&rgb_info_, 0); }

  // Converts a frame mapped with the YUV caps into `rgb` (resized to
  // row_stride() * height() bytes of packed RGB). False when it cannot.
  bool to_rgb(const GstVideoFrame& yuv, std::vector<uint8_t>& rgb) const;
  // Writes what was drawn on an RGB copy back into the frame (mapped for
  // writing): `drawn` is `original` (as from to_rgb) after drawing. Only the
  // changed pixels go back, row by row, widened to whole chroma samples; the
  // rest of the frame keeps its bytes (a conversion round trip would move
  // them by a level or two).
  bool write_back(const std::vector<uint8_t>& drawn, const std::vector<uint8_t>& original,
                  GstVideoFrame& yuv);

 private:
  GstVideoInfo yuv_info_;
  GstVideoInfo rgb_info_;
  GstVideoConverter* to_rgb_ = nullptr;
  GstVideoConverter* from_rgb_ = nullptr;
  std::vector<uint8_t> yuv_scratch_;  // the whole converted frame, before the copy
};

}  // namespace decodiff::gst
