// A fresh folder under the system temp folder, removed on destruction.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace decodiff::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("decodiff-train-test-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Writes an image (creating its folder).
inline void write_image(const std::filesystem::path& file, const cv::Mat& image) {
  std::filesystem::create_directories(file.parent_path());
  cv::imwrite(file.string(), image);
}

inline cv::Mat solid(int size, uchar b, uchar g, uchar r) {
  return cv::Mat(size, size, CV_8UC3, cv::Scalar(b, g, r));
}

}  // namespace decodiff::testing
