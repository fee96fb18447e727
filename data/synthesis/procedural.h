// Procedural images for training a general-purpose image codec: content no
// product has, so that the codec learns to reproduce whatever it is shown
// (colour fields, gradients, periodic patterns, noise, shapes, strokes), plus
// cut-and-paste between images and colour jitter. Everything is a pure function
// of its seed (our own Rng and OpenCV's deterministic drawing).
#pragma once

#include <cstdint>

#include <opencv2/core.hpp>

namespace decodiff::data {

// A size x size CV_8UC3 (BGR) image: a random background (flat, gradient,
// smooth colour field, stripes or checks), 0-14 shapes (ellipses, rectangles,
// polygons; flat, shaded or textured; some translucent), 0-8 strokes, and
// sometimes sensor-like noise or blur. size in [8, 4096]; throws
// std::invalid_argument otherwise.
cv::Mat render_procedural(uint64_t seed, int size);

// A copy of base (CV_8UC3) with an irregular blob of source (CV_8UC3, any size
// >= 8x8; resized to base's size first) pasted in: the blob covers 2-35 % of the
// image. mask_out, when given, receives the blob (CV_8UC1 0/255).
cv::Mat paste_between(const cv::Mat& base, const cv::Mat& source, uint64_t seed, cv::Mat* mask_out = nullptr);

// Random colour jitter of a CV_8UC3 image: brightness, contrast, saturation
// and per-channel gains, and with p = 0.25 a channel permutation.
cv::Mat jitter_colours(const cv::Mat& image, uint64_t seed);

}  // namespace decodiff::data
