// Writes a synthetic inspection dataset in the MVTec-AD folder layout.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace decodiff::data {

// Called after each image written: done of total, and what was just written.
using ProgressFn = std::function<void(int done, int total, const std::string& what)>;

struct SynthOptions {
  uint64_t seed = 1;
  int image_size = 256;
  int train_per_class = 50;             // train/good images per category
  int test_good_per_class = 10;         // test/good images per category
  int test_defect_per_kind = 5;         // test/<kind> images per defect kind per category
  std::vector<std::string> categories;  // empty: every category
};

// Throws std::invalid_argument naming the bad option (size, negative count,
// unknown or repeated category).
void validate(const SynthOptions& options);

// Writes, for each category,
//   <root>/<category>/train/good/000.png
//   <root>/<category>/test/good/000.png
//   <root>/<category>/test/<kind>/000.png
//   <root>/<category>/ground_truth/<kind>/000_mask.png
// and <root>/dataset.json (returned too) with the seed, size, counts, the
// generator version and the categories' looks. Creates root if needed; files
// of an earlier run with the same names are overwritten. Throws
// std::runtime_error naming the path when a folder or file cannot be written.
nlohmann::json write_synthetic_dataset(const std::filesystem::path& root, const SynthOptions& options,
                                       const ProgressFn& progress = nullptr);

// Creates a folder (and its parents); throws std::runtime_error
// "cannot create folder 'X': <reason>" on failure.
void make_folder(const std::filesystem::path& folder);

// cv::imwrite that throws std::runtime_error "cannot write 'X'" on failure.
void write_png(const std::filesystem::path& file, const cv::Mat& image);

}  // namespace decodiff::data
