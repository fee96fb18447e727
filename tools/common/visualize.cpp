#include "visualize.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <stdexcept>
#include <string>

#include "imaging/heatmap.h"

namespace decodiff::tools {

cv::Mat to_rgb_mat(const at::Tensor& image) {
  at::Tensor hwc;
  if (image.scalar_type() == at::kByte) {
    hwc = image.to(at::kCPU).contiguous();
  } else {
    hwc = ((image.to(at::kCPU).to(at::kFloat).clamp(-1, 1) * 127.5 + 127.5).to(at::kByte)).permute({1, 2, 0}).contiguous();
  }
  cv::Mat view(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3, hwc.data_ptr<uint8_t>());
  return view.clone();
}

cv::Mat heatmap_overlay(const cv::Mat& rgb, const at::Tensor& map, double alpha) {
  auto m = (map.to(at::kCPU).to(at::kFloat).clamp(0, 1) * 255).to(at::kByte).contiguous();
  cv::Mat gray(static_cast<int>(m.size(0)), static_cast<int>(m.size(1)), CV_8UC1, m.data_ptr<uint8_t>());
  return imaging::heatmap_overlay(rgb, gray, alpha);  // gray levels truncated above, as always
}

void write_rgb_png(const std::string& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  bool ok = false;
  try {
    ok = cv::imwrite(path, bgr);
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot write " + path + ": " + e.what());
  }
  if (!ok) throw std::runtime_error("cannot write " + path + " (unwritable folder or unknown extension?)");
}

}  // namespace decodiff::tools
