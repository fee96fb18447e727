// Small images the dataset tests write.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>

namespace decodiff::testing {

// Writes an image (creating its folder).
inline void write_image(const std::filesystem::path& file, const cv::Mat& image) {
  std::filesystem::create_directories(file.parent_path());
  cv::imwrite(file.string(), image);
}

inline cv::Mat solid(int size, uchar b, uchar g, uchar r) {
  return cv::Mat(size, size, CV_8UC3, cv::Scalar(b, g, r));
}

}  // namespace decodiff::testing
