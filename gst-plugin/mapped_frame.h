// One video buffer as the element handles it: mapped once, converted to RGB
// at most once (YUV formats), read by the inspection and painted by the
// overlay through the same mapping.
#pragma once

#include <gst/video/video.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "image_view.h"
#include "rgb_bridge.h"

namespace decodiff::gst {

// The negotiated format and how its pixels are read: packed RGB formats
// (RGB, BGR, RGBA, BGRA, RGBx, BGRx) in place, YUV formats (I420, NV12, YUY2)
// through an RgbBridge.
class FrameFormat {
 public:
  // Throws std::runtime_error with one clear message for a format the element
  // cannot read (naming the ones it can) or a conversion GStreamer cannot do.
  explicit FrameFormat(const GstVideoInfo& info);

  const GstVideoInfo& info() const { return info_; }
  int width() const { return GST_VIDEO_INFO_WIDTH(&info_); }
  int height() const { return GST_VIDEO_INFO_HEIGHT(&info_); }
  bool bridged() const { return bridge_ != nullptr; }

 private:
  friend class MappedFrame;
  GstVideoInfo info_;
  int pixel_stride_ = 3;
  int rgb_offset_[3] = {0, 1, 2};  // packed formats: byte offsets of R, G, B in a pixel
  std::shared_ptr<RgbBridge> bridge_;
};

class MappedFrame {
 public:
  // Takes the buffer (one reference) and maps it: for reading and writing
  // when `for_painting` (the buffer is made writable first; GStreamer copies
  // memory it shares with others), else for reading. ok() tells whether the
  // mapping worked.
  MappedFrame(GstBuffer* buffer, std::shared_ptr<const FrameFormat> format, bool for_painting);
  ~MappedFrame();
  MappedFrame(const MappedFrame&) = delete;
  MappedFrame& operator=(const MappedFrame&) = delete;

  bool ok() const { return mapped_; }
  // The buffer, writable (metas may be attached); still owned by the frame.
  GstBuffer* buffer() const { return buffer_; }

  // The frame as RGB: packed formats in place, YUV converted on the first call
  // only. An empty view when the frame is not mapped or cannot be converted.
  ImageView pixels();

  // Paints on the frame (mapping it for writing if it was mapped for reading
  // only): `paint` draws on RGB pixels; for YUV formats the changed pixels are
  // converted back. False when the frame cannot be mapped or converted.
  bool paint(const std::function<void(const MutableImageView&)>& paint);

  // Unmaps the frame and hands its buffer (the reference) to the caller.
  GstBuffer* release();

 private:
  bool map(GstMapFlags flags);
  void unmap();

  GstBuffer* buffer_;
  std::shared_ptr<const FrameFormat> format_;
  GstVideoFrame frame_;
  bool mapped_ = false;
  bool writable_ = false;
  bool converted_ = false;
  std::vector<uint8_t> rgb_;  // YUV formats: the frame as packed RGB
};

}  // namespace decodiff::gst
