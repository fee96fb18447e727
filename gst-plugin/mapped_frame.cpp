#include "mapped_frame.h"

#include <stdexcept>
#include <string>

namespace decodiff::gst {

FrameFormat::FrameFormat(const GstVideoInfo& info) : info_(info) {
  const GstVideoFormat format = GST_VIDEO_INFO_FORMAT(&info);
  auto packed = [this](int stride, int r, int g, int b) {
    pixel_stride_ = stride;
    rgb_offset_[0] = r, rgb_offset_[1] = g, rgb_offset_[2] = b;
  };
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      packed(3, 0, 1, 2);
      return;
    case GST_VIDEO_FORMAT_BGR:
      packed(3, 2, 1, 0);
      return;
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_RGBx:
      packed(4, 0, 1, 2);
      return;
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_BGRx:
      packed(4, 2, 1, 0);
      return;
    default:
      break;
  }
  if (!RgbBridge::handles(format))
    throw std::runtime_error(std::string("Unsupported video format ") + gst_video_format_to_string(format) +
                             ": decodiffinspect takes RGB, BGR, RGBA, BGRA, RGBx, BGRx, I420, NV12 or YUY2 "
                             "(put videoconvert before it)");
  bridge_ = std::make_shared<RgbBridge>(info);
}

MappedFrame::MappedFrame(GstBuffer* buffer, std::shared_ptr<const FrameFormat> format, bool for_painting)
    : buffer_(buffer), format_(std::move(format)) {
  if (for_painting) buffer_ = gst_buffer_make_writable(buffer_);
  map(for_painting ? GST_MAP_READWRITE : GST_MAP_READ);
}

MappedFrame::~MappedFrame() {
  unmap();
  if (buffer_) gst_buffer_unref(buffer_);
}

bool MappedFrame::map(GstMapFlags flags) {
  mapped_ = gst_video_frame_map(&frame_, const_cast<GstVideoInfo*>(&format_->info()), buffer_, flags);
  writable_ = mapped_ && (flags & GST_MAP_WRITE);
  return mapped_;
}

void MappedFrame::unmap() {
  if (mapped_) gst_video_frame_unmap(&frame_);
  mapped_ = writable_ = false;
}

ImageView MappedFrame::pixels() {
  if (!mapped_) return {};
  if (!format_->bridged()) {
    return color_view(static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame_, 0)),
                      GST_VIDEO_FRAME_WIDTH(&frame_), GST_VIDEO_FRAME_HEIGHT(&frame_),
                      GST_VIDEO_FRAME_PLANE_STRIDE(&frame_, 0), format_->pixel_stride_,
                      format_->rgb_offset_[0], format_->rgb_offset_[1], format_->rgb_offset_[2]);
  }
  const RgbBridge& bridge = *format_->bridge_;
  if (!converted_) converted_ = bridge.to_rgb(frame_, rgb_);
  if (!converted_) return {};
  return color_view(static_cast<const uint8_t*>(rgb_.data()), bridge.width(), bridge.height(),
                    bridge.row_stride());
}

bool MappedFrame::paint(const std::function<void(const MutableImageView&)>& paint) {
  if (!writable_) {
    // Mapped for reading only (the overlay was off when the frame came in):
    // the pixels read so far stay valid, the converted copy too.
    unmap();
    buffer_ = gst_buffer_make_writable(buffer_);
    if (!map(GST_MAP_READWRITE)) return false;
  }
  if (!format_->bridged()) {
    MutableImageView canvas = color_view(
        static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame_, 0)), GST_VIDEO_FRAME_WIDTH(&frame_),
        GST_VIDEO_FRAME_HEIGHT(&frame_), GST_VIDEO_FRAME_PLANE_STRIDE(&frame_, 0), format_->pixel_stride_,
        format_->rgb_offset_[0], format_->rgb_offset_[1], format_->rgb_offset_[2]);
    paint(canvas);
    return true;
  }
  if (pixels().data == nullptr) return false;
  // Drawn on the RGB copy; only what the drawing changed goes back.
  const std::vector<uint8_t> untouched = rgb_;
  RgbBridge& bridge = *format_->bridge_;
  paint(color_view(rgb_.data(), bridge.width(), bridge.height(), bridge.row_stride()));
  return bridge.write_back(rgb_, untouched, frame_);
}

GstBuffer* MappedFrame::release() {
  unmap();
  GstBuffer* buffer = buffer_;
  buffer_ = nullptr;
  return buffer;
}

}  // namespace decodiff::gst
