#include "photo_catalogue.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>

namespace decodiff::data {
namespace fs = std::filesystem;

const std::vector<BenchmarkPhoto>& benchmark_photos() {
  static const std::vector<BenchmarkPhoto> photos = {
      {"baboon.jpg", "fur", "a mandrill's face: fur, blue and red skin; the face is mirror-symmetric"},
      {"board.jpg", "pcb", "a green circuit board: chips, capacitors, traces, silkscreen"},
      {"aloeL.jpg", "aloe", "an aloe plant in a pot before a patterned cloth"},
      {"leuvenA.jpg", "street", "brick house fronts, windows, roofs and a cobbled street"},
  };
  return photos;
}

const std::vector<std::string>& held_out_photos() {
  static const std::vector<std::string> photos = {"fruits.jpg", "starry_night.jpg", "squirrel_cls.jpg",
                                                  "home.jpg"};
  return photos;
}

const std::vector<std::string>& excluded_photos() {
  // The other views of benchmark photos, and the ground truth that goes with one; the
  // chessboard calibration series is kept to its first image of each camera, so that
  // 26 near-identical grey views do not dominate the codec's photos.
  static const std::vector<std::string> photos = [] {
    std::vector<std::string> p = {"aloeR.jpg", "aloeGT.png", "leuvenB.jpg"};
    for (int i = 2; i <= 14; ++i) {
      const std::string n = (i < 10 ? "0" : "") + std::to_string(i) + ".jpg";
      p.push_back("left" + n);
      p.push_back("right" + n);
    }
    return p;
  }();
  return photos;
}

std::vector<fs::path> codec_training_photos(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("photo folder '" + dir.string() +
                             "' does not exist (Debian: apt-get install opencv-doc)");
  std::set<std::string> skip(held_out_photos().begin(), held_out_photos().end());
  skip.insert(excluded_photos().begin(), excluded_photos().end());
  for (const auto& b : benchmark_photos()) skip.insert(b.file);
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext != ".jpg" && ext != ".jpeg" && ext != ".png") continue;
    if (skip.count(entry.path().filename().string())) continue;
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

cv::Mat read_photo(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw std::runtime_error("photo '" + file.string() +
                             "' does not exist (Debian: apt-get install opencv-doc)");
  cv::Mat image = cv::imread(file.string(), cv::IMREAD_COLOR);
  if (image.empty()) throw std::runtime_error("cannot decode the photo '" + file.string() + "'");
  return image;
}

}  // namespace decodiff::data
