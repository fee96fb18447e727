// Image and mask loading as the reference data loaders do it (docs/algorithm.md, "Pre-processing").
#pragma once

#include <opencv2/core.hpp>

#include <string>

namespace decodiff::data {

// Any image OpenCV reads (grey, colour or with alpha) as CV_8UC3 in RGB order, at its
// own size. Throws std::runtime_error "cannot read image 'X' ..." when it cannot.
cv::Mat load_rgb_image(const std::string& path);

// Pillow-style bicubic resize (core/preprocess.h, the same numerics as the engine)
// of an RGB (CV_8UC3) or grey (CV_8UC1) uint8 image to size x size.
cv::Mat pillow_resize(const cv::Mat& image, int size);

// The size x size center crop (albumentations' offset rule), as a deep copy.
cv::Mat center_crop(const cv::Mat& image, int size);

// A ground-truth mask as the reference loads it: grey, Pillow-bicubic resized to
// resize x resize, binarised with > 0, center-cropped to crop x crop; CV_8UC1 of
// 0/1. `image_path` is the image the mask belongs to: a mask whose size differs
// from that image's is an error naming both files. An empty mask_path gives all
// zeros. Throws std::runtime_error on an unreadable file.
cv::Mat load_mask(const std::string& mask_path, const std::string& image_path, int resize, int crop);

// The model input for an image file: load_rgb_image + pillow_resize(resize) +
// center_crop(crop), CV_8UC3 RGB crop x crop.
cv::Mat load_image_cropped(const std::string& path, int resize, int crop);

}  // namespace decodiff::data
