// The roles of the real photographs of Debian's opencv-doc package
// (examples/data) in decodiff: which ones are classes of the real-photo
// benchmark (decodiff-synth photos), which are held out for measuring the
// codec, and which the codec is trained on. One place, so that the benchmark's
// test content can never end up in codec training.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace decodiff::data {

// Where Debian's opencv-doc package puts its example images.
constexpr const char* kOpenCvDocPhotoDir = "/usr/share/doc/opencv-doc/examples/data";

struct BenchmarkPhoto {
  std::string file;   // e.g. "baboon.jpg"
  std::string klass;  // the class name in the benchmark, e.g. "fur"
  std::string why;    // what a crop shows, one line
};

// The benchmark's classes, one photo each. Its top-left and bottom-right
// quadrants give the train/good crops, the other two every test crop.
const std::vector<BenchmarkPhoto>& benchmark_photos();

// Never used for training anything: the codec's fidelity is measured on them.
const std::vector<std::string>& held_out_photos();

// Second views of benchmark photos (stereo pairs, viewpoint changes) and the
// like: used nowhere, since they show the benchmark's test content.
const std::vector<std::string>& excluded_photos();

// Every image file (.jpg, .jpeg, .png) in dir that is neither a benchmark
// photo, nor held out, nor excluded: the codec's training photos, sorted.
// Throws std::runtime_error when dir is not a folder.
std::vector<std::filesystem::path> codec_training_photos(const std::filesystem::path& dir);

// Loads a photo as 8-bit BGR; throws std::runtime_error naming it (and saying
// how to install opencv-doc when it is missing).
cv::Mat read_photo(const std::filesystem::path& file);

}  // namespace decodiff::data
