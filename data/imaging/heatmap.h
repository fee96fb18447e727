// The JET colour map of every picture decodiff draws (the element's heatmap overlay, decodiff-eval's
// panels, decodiff-infer's heatmaps): one table, built once from OpenCV's cv::COLORMAP_JET.
// OpenCV only.
#pragma once

#include <opencv2/core.hpp>

namespace decodiff::imaging {

// 256 x 1, CV_8UC3: entry v is the JET colour of gray level v, in RGB order.
const cv::Mat& jet_lut();

// The same table in OpenCV's BGR order (as cv::applyColorMap gives it).
const cv::Mat& jet_lut_bgr();

// `map` through JET, blended over `rgb` (CV_8UC3) as alpha * rgb + (1 - alpha) * heat (cv::addWeighted).
// `map`: CV_8UC1 gray levels, or floats in [0, 1] (scaled by 255, rounded, saturated outside).
// A map of another size than `rgb` is coloured first, then resized to it (bilinear).
cv::Mat heatmap_overlay(const cv::Mat& rgb, const cv::Mat& map, double alpha = 0.5);

}  // namespace decodiff::imaging
