#include "heatmap.h"

#include <opencv2/imgproc.hpp>

#include <cstdint>

namespace decodiff::imaging {
namespace {

struct JetTables {
  cv::Mat bgr, rgb;
};

const JetTables& jet_tables() {
  static const JetTables tables = [] {
    cv::Mat ramp(256, 1, CV_8UC1);
    for (int i = 0; i < 256; ++i) ramp.at<uint8_t>(i) = static_cast<uint8_t>(i);
    JetTables t;
    cv::applyColorMap(ramp, t.bgr, cv::COLORMAP_JET);
    cv::cvtColor(t.bgr, t.rgb, cv::COLOR_BGR2RGB);
    return t;
  }();
  return tables;
}

}  // namespace

const cv::Mat& jet_lut() { return jet_tables().rgb; }

const cv::Mat& jet_lut_bgr() { return jet_tables().bgr; }

cv::Mat heatmap_overlay(const cv::Mat& rgb, const cv::Mat& map, double alpha) {
  cv::Mat gray = map;
  if (map.type() != CV_8UC1) map.convertTo(gray, CV_8U, 255.0);  // rounds; saturates outside [0, 1]
  // What cv::applyColorMap does, with the table in RGB order.
  cv::Mat gray3, heat, out;
  cv::cvtColor(gray, gray3, cv::COLOR_GRAY2RGB);
  cv::LUT(gray3, jet_lut(), heat);
  if (heat.size() != rgb.size()) cv::resize(heat, heat, rgb.size(), 0, 0, cv::INTER_LINEAR);
  cv::addWeighted(rgb, alpha, heat, 1.0 - alpha, 0.0, out);
  return out;
}

}  // namespace decodiff::imaging
