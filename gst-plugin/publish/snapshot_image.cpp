#include "snapshot_image.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>

#include "imaging/heatmap.h"
#include "rgb_bridge.h"

namespace decodiff::gst::publish {
namespace {

constexpr double kFrameWeight = 0.6;  // the heatmap's opacity is 1 - this

cv::Rect clip(const Rect& r, const cv::Mat& frame) {
  return cv::Rect(r.x, r.y, r.width, r.height) & cv::Rect(0, 0, frame.cols, frame.rows);
}

}  // namespace

FrameReader::FrameReader() { gst_video_info_init(&bridge_info_); }
FrameReader::~FrameReader() = default;

cv::Mat FrameReader::to_bgr(GstBuffer* buffer, const GstVideoInfo& info) {
  const GstVideoFormat format = GST_VIDEO_INFO_FORMAT(&info);
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) return cv::Mat();
  const int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
  cv::Mat bgr;
  if (RgbBridge::handles(format)) {
    if (!bridge_ || !gst_video_info_is_equal(&bridge_info_, &info)) {
      bridge_.reset();
      bridge_ = std::make_unique<RgbBridge>(info);
      bridge_info_ = info;
    }
    if (bridge_->to_rgb(frame, rgb_)) {
      cv::Mat rgb(h, w, CV_8UC3, rgb_.data(), static_cast<size_t>(bridge_->row_stride()));
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    }
  } else {
    const size_t stride = static_cast<size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0));
    void* data = GST_VIDEO_FRAME_PLANE_DATA(&frame, 0);
    switch (format) {
      case GST_VIDEO_FORMAT_RGB:
        cv::cvtColor(cv::Mat(h, w, CV_8UC3, data, stride), bgr, cv::COLOR_RGB2BGR);
        break;
      case GST_VIDEO_FORMAT_BGR:
        cv::Mat(h, w, CV_8UC3, data, stride).copyTo(bgr);
        break;
      case GST_VIDEO_FORMAT_RGBx:
      case GST_VIDEO_FORMAT_RGBA:
        cv::cvtColor(cv::Mat(h, w, CV_8UC4, data, stride), bgr, cv::COLOR_RGBA2BGR);
        break;
      case GST_VIDEO_FORMAT_BGRx:
      case GST_VIDEO_FORMAT_BGRA:
        cv::cvtColor(cv::Mat(h, w, CV_8UC4, data, stride), bgr, cv::COLOR_BGRA2BGR);
        break;
      default:
        break;
    }
  }
  gst_video_frame_unmap(&frame);
  return bgr;
}

cv::Mat heatmap_image(const cv::Mat& frame, const SnapshotResult& r) {
  cv::Mat out = frame.clone();
  const int thickness = std::max(1, std::min(out.cols, out.rows) / 240);
  const cv::Scalar red(0, 0, 255), green(0, 200, 0), white(255, 255, 255);
  if (!r.error.empty()) {
    for (const Rect& g : r.regions) cv::rectangle(out, cv::Rect(g.x, g.y, g.width, g.height), red, thickness);
  } else {
    const cv::Rect area = clip(r.map_rect, out);
    if (!r.map.empty() && !area.empty()) {
      // The map stretched over its rectangle, then the part inside the frame.
      cv::Mat stretched;
      cv::resize(r.map, stretched, cv::Size(r.map_rect.width, r.map_rect.height), 0, 0, cv::INTER_LINEAR);
      const cv::Mat part =
          stretched(cv::Rect(area.x - r.map_rect.x, area.y - r.map_rect.y, area.width, area.height));
      cv::Mat rgb;
      cv::cvtColor(out(area), rgb, cv::COLOR_BGR2RGB);
      cv::Mat blended = imaging::heatmap_overlay(rgb, part, kFrameWeight);
      cv::Mat target = out(area);  // converted in place: same size and type
      cv::cvtColor(blended, target, cv::COLOR_RGB2BGR);
    }
    for (const Rect& g : r.regions)
      cv::rectangle(out, cv::Rect(g.x, g.y, g.width, g.height), white, thickness);
  }
  char label[96];
  if (!r.error.empty())
    std::snprintf(label, sizeof(label), "ERROR %s", r.error.c_str());
  else
    std::snprintf(label, sizeof(label), "%s %.3f", r.anomalous ? "ANOMALY" : "ok", r.score);
  const double scale = std::max(0.35, out.rows / 720.0);
  int baseline = 0;
  const cv::Size size = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline);
  cv::putText(out, label, cv::Point(4, 4 + size.height), cv::FONT_HERSHEY_SIMPLEX, scale,
              r.anomalous ? red : green, thickness, cv::LINE_AA);
  return out;
}

}  // namespace decodiff::gst::publish
