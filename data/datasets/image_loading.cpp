#include "image_loading.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <stdexcept>

#include "pillow_resize.h"
#include "preprocess.h"

namespace decodiff::data {
namespace {

cv::Mat read_file(const std::string& path, int flags) {
  cv::Mat m;
  try {
    m = cv::imread(path, flags);
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot read image '" + path + "': " + e.what());
  }
  if (m.empty())
    throw std::runtime_error("cannot read image '" + path + "' (missing file or unknown format)");
  return m;
}

}  // namespace

cv::Mat load_rgb_image(const std::string& path) {
  cv::Mat m = read_file(path, cv::IMREAD_COLOR);
  cv::Mat rgb;
  cv::cvtColor(m, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cv::Mat pillow_resize(const cv::Mat& image, int size) {
  if (image.depth() != CV_8U || (image.channels() != 3 && image.channels() != 1))
    throw std::invalid_argument("pillow_resize: expects an 8-bit grey or RGB image");
  if (image.rows == size && image.cols == size) return image.clone();
  const int c = image.channels();
  ImageView view;
  view.data = image.data;
  view.width = image.cols;
  view.height = image.rows;
  view.row_stride = static_cast<int64_t>(image.step[0]);
  view.pixel_stride = c;
  view.channels = c;
  const auto out = pillow_resize_bicubic(view, size, size);
  cv::Mat result(size, size, CV_8UC(c));
  std::memcpy(result.data, out.data(), out.size());
  return result;
}

cv::Mat center_crop(const cv::Mat& image, int size) {
  if (image.rows < size || image.cols < size)
    throw std::invalid_argument("center_crop: " + std::to_string(size) + " px crop of a " +
                                std::to_string(image.cols) + "x" + std::to_string(image.rows) + " image");
  const int y = center_crop_offset(image.rows, size), x = center_crop_offset(image.cols, size);
  return image(cv::Rect(x, y, size, size)).clone();
}

cv::Mat load_mask(const std::string& mask_path, const std::string& image_path, int resize, int crop) {
  if (mask_path.empty()) return cv::Mat::zeros(crop, crop, CV_8UC1);
  cv::Mat mask = read_file(mask_path, cv::IMREAD_GRAYSCALE);
  if (!image_path.empty()) {
    cv::Mat image = read_file(image_path, cv::IMREAD_UNCHANGED);
    if (image.size() != mask.size())
      throw std::runtime_error("mask '" + mask_path + "' is " + std::to_string(mask.cols) + "x" +
                               std::to_string(mask.rows) + " but its image '" + image_path + "' is " +
                               std::to_string(image.cols) + "x" + std::to_string(image.rows));
  }
  cv::Mat resized = pillow_resize(mask, resize);
  cv::Mat binary = resized > 0;  // 0 / 255
  binary /= 255;
  return center_crop(binary, crop);
}

cv::Mat load_image_cropped(const std::string& path, int resize, int crop) {
  return center_crop(pillow_resize(load_rgb_image(path), resize), crop);
}

}  // namespace decodiff::data
