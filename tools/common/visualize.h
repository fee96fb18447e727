// Pictures for people: heatmaps over images (OpenCV).
#pragma once

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

namespace decodiff::tools {

// [3, H, W] float in [-1, 1] (or [H, W, 3] uint8) -> RGB cv::Mat CV_8UC3.
cv::Mat to_rgb_mat(const at::Tensor& image);

// map [H, W] in [0, 1] -> RGB JET colormap blended with `rgb` (CV_8UC3, same
// size) as alpha * rgb + (1 - alpha) * heat, like the reference visualiser.
cv::Mat heatmap_overlay(const cv::Mat& rgb, const at::Tensor& map, double alpha = 0.5);

// Writes an RGB image (converted to BGR for OpenCV); throws std::runtime_error on failure.
void write_rgb_png(const std::string& path, const cv::Mat& rgb);

}  // namespace decodiff::tools
