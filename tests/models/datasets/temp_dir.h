// A fresh folder under the system temp folder, removed on destruction.
#pragma once

#include <unistd.h>

#include <cstdlib>
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
    remove();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { remove(); }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  // Not std::filesystem::remove_all: LibTorch exports its own copy of it, which
  // crashes when it wins the symbol lookup in a binary that links LibTorch.
  void remove() const { (void)std::system(("rm -rf '" + path_.string() + "'").c_str()); }
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
