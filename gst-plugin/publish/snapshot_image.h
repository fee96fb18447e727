// The two pictures of a reject: the frame as the camera delivered it, and
// the same frame with the anomaly heatmap, the region boxes and the score
// drawn on it. OpenCV (BGR, as cv::imencode wants it) and GStreamer (reading
// the buffer).
#pragma once

#include <gst/video/video.h>

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

#include "image_view.h"

namespace decodiff::gst {
class RgbBridge;
}

namespace decodiff::gst::publish {

// What the heatmap picture shows: a copy of a GstDecodiffMeta's result.
struct SnapshotResult {
  float score = 0;
  bool anomalous = false;
  std::string error;          // the failed inspection's reason, or empty
  cv::Mat map;                // CV_32F, the model's map (empty: none)
  Rect map_rect;              // where it lies in the frame
  std::vector<Rect> regions;  // frame coordinates
};

// Reads frames of one format as BGR. Packed RGB formats are reordered by
// OpenCV; YUV formats (I420, NV12, YUY2) are converted by GStreamer's
// GstVideoConverter with the caps' colorimetry (rgb_bridge.h), which gives
// the very RGB pixels that decodiffinspect inspected.
class FrameReader {
 public:
  FrameReader();
  ~FrameReader();
  // An empty Mat when the buffer cannot be mapped or the format is not one of
  // the element's (RGB, BGR, RGBx, BGRx, RGBA, BGRA, I420, NV12, YUY2).
  cv::Mat to_bgr(GstBuffer* buffer, const GstVideoInfo& info);

 private:
  std::unique_ptr<RgbBridge> bridge_;
  GstVideoInfo bridge_info_;
  std::vector<uint8_t> rgb_;
};

// `frame` (BGR) with the result drawn on: the map through the JET table
// blended over its rectangle (imaging/heatmap.h), white boxes around the
// regions and the score label; a failed inspection shows its regions in red
// and "ERROR <reason>" instead of a map.
cv::Mat heatmap_image(const cv::Mat& frame, const SnapshotResult& result);

}  // namespace decodiff::gst::publish
