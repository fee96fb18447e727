#include "overlay.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <climits>
#include <cstdio>

#include "imaging/heatmap.h"

namespace decodiff::gst {
namespace {

cv::Scalar color(const MutableImageView& f, int r, int g, int b) {
  cv::Scalar s(255, 255, 255, 255);
  s[f.channel_offset[0]] = r;
  s[f.channel_offset[1]] = g;
  s[f.channel_offset[2]] = b;
  return s;
}

void blend_heatmap(const MutableImageView& f, const Inspection& in, float alpha) {
  Rect area = intersect(intersect(in.map_rect, in.inspected), Rect{0, 0, f.width, f.height});
  if (area.empty() || in.frame_map.empty()) return;
  const cv::Mat& lut = imaging::jet_lut_bgr();  // BGR
  const float a = std::clamp(alpha, 0.0f, 1.0f), keep = 1.0f - a;
  for (int y = area.y; y < area.y + area.height; ++y) {
    const float* m = in.frame_map.ptr<float>(y - in.inspected.y);
    uint8_t* row = f.data + y * f.row_stride;
    for (int x = area.x; x < area.x + area.width; ++x) {
      int v = std::clamp(static_cast<int>(m[x - in.inspected.x] * 255.0f + 0.5f), 0, 255);
      const cv::Vec3b& bgr = lut.at<cv::Vec3b>(v);
      uint8_t* px = row + x * f.pixel_stride;
      const uint8_t rgb[3] = {bgr[2], bgr[1], bgr[0]};
      for (int c = 0; c < 3; ++c) {
        uint8_t& dst = px[f.channel_offset[c]];
        dst = static_cast<uint8_t>(std::clamp(dst * keep + rgb[c] * a + 0.5f, 0.0f, 255.0f));
      }
    }
  }
}

}  // namespace

void draw_overlay(const MutableImageView& f, const Result& result, OverlayKind kind, float alpha,
                  bool stale) {
  if (kind == OverlayKind::kNone || !f.data) return;
  if (result.frame_width != f.width || result.frame_height != f.height) return;  // result of other caps
  cv::Mat view(f.height, f.width, f.pixel_stride == 4 ? CV_8UC4 : CV_8UC3, f.data,
               static_cast<size_t>(f.row_stride));
  const cv::Scalar red = color(f, 255, 0, 0), green = color(f, 0, 200, 0), white = color(f, 255, 255, 255);
  const int thickness = std::max(1, std::min(f.width, f.height) / 240);
  const double scale = std::max(0.35, f.height / 720.0);
  const bool several = !result.inspections.empty();

  for (const Verdict* v : result.verdicts()) {
    const Inspection& in = v->inspection;
    const cv::Rect area(in.inspected.x, in.inspected.y, in.inspected.width, in.inspected.height);
    if (!v->error.empty()) {
      // No map to draw (it is not finite): the inspected rectangle in red.
      cv::rectangle(view, area, red, thickness);
    } else if (kind == OverlayKind::kHeatmap) {
      blend_heatmap(f, in, alpha);
      for (const Region& r : v->regions)
        cv::rectangle(view, cv::Rect(r.box.x, r.box.y, r.box.width, r.box.height), white, thickness);
    } else if (kind == OverlayKind::kContour && !in.frame_map.empty()) {
      cv::Mat mask = in.frame_map >= v->threshold;
      std::vector<std::vector<cv::Point>> contours;
      cv::findContours(mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
      cv::drawContours(view, contours, -1, red, thickness, cv::LINE_8, cv::noArray(), INT_MAX,
                       cv::Point(in.inspected.x, in.inspected.y));
    }
    if (several) {
      // Each station: its outline and its own verdict at its top-left corner.
      const cv::Scalar verdict = v->anomalous ? red : green;
      cv::rectangle(view, area, verdict, thickness);
      char label[96];
      std::snprintf(label, sizeof(label), "%s %.3f", v->class_name.c_str(), v->inspection.score);
      int baseline = 0;
      const cv::Size size =
          cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, scale * 0.8, thickness, &baseline);
      cv::putText(view, label, cv::Point(area.x + 2, area.y + 2 + size.height), cv::FONT_HERSHEY_SIMPLEX,
                  scale * 0.8, verdict, thickness, cv::LINE_AA);
    }
  }

  char label[96];
  if (!result.error.empty())
    std::snprintf(label, sizeof(label), "ERROR %s%s", result.error.c_str(), stale ? " (stale)" : "");
  else
    std::snprintf(label, sizeof(label), "%s %.3f%s", result.anomalous ? "ANOMALY" : "ok",
                  result.inspection.score, stale ? " (stale)" : "");
  int baseline = 0;
  cv::Size size = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline);
  cv::Point origin(4, 4 + size.height);
  cv::putText(view, label, origin, cv::FONT_HERSHEY_SIMPLEX, scale, result.anomalous ? red : green, thickness,
              cv::LINE_AA);
}

}  // namespace decodiff::gst
