// The real-photo benchmark (decodiff-synth photos): crops of real photographs
// in the MVTec-AD layout, with defects painted by our defect code. One class
// per photo. The photo is cut into quadrants: the train/good crops come from
// the top-left and bottom-right ones, every test crop from the top-right and
// bottom-left ones (each set is half of the photo, and both see the photo's
// whole range of content), so no test pixel was ever a training pixel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "photo_catalogue.h"
#include "synth_dataset.h"

namespace decodiff::data {

constexpr int kPhotoSetVersion = 1;

struct PhotoSetOptions {
  std::filesystem::path source = kOpenCvDocPhotoDir;
  uint64_t seed = 1;
  int image_size = 72;  // the default model's input (resize 72, crop 64): nothing is resampled again
  int train_per_class = 60;
  int test_good_per_class = 20;
  int test_defect_per_kind = 6;
  // A crop covers this fraction of the shorter side of a quadrant (+-15 %), then is resized to image_size.
  double region_fraction = 0.5;
  std::vector<std::string> classes;  // empty: every benchmark photo's class
};

// scratch, spot, hole, colour_stain, crack (the synthetic data's painter) and
// foreign_patch (a blob of another photo), smoothed_patch (a blob blurred flat).
const std::vector<std::string>& photo_defect_kinds();

struct PhotoDefect {
  cv::Mat image;  // CV_8UC3 BGR: equal to the good crop outside mask
  cv::Mat mask;   // CV_8UC1 0/255: the painted region
};

// Paints one defect on a good crop (CV_8UC3, square, >= 32 px), centred at
// least 15 % of the side away from the border. foreign (CV_8UC3, same size)
// is the content of a foreign_patch; the others ignore it. Throws
// std::invalid_argument for an unknown kind.
PhotoDefect paint_photo_defect(const cv::Mat& good, const std::string& kind, const cv::Mat& foreign,
                               uint64_t seed);

// Where a crop lies in a photo of size `photo` (source pixels): a square of
// side region_fraction (+-15 %) of its quadrant's shorter side, inside the
// top-left or bottom-right quadrant (train) or the top-right or bottom-left
// one (test), drawn from seed. The crop is this region resized to image_size.
cv::Rect photo_crop_rect(cv::Size photo, bool train, const PhotoSetOptions& options, uint64_t seed);

// Writes <root>/<class>/{train/good, test/good, test/<kind>, ground_truth/<kind>/NNN_mask.png}
// and <root>/dataset.json (returned). Throws std::invalid_argument for bad
// options, std::runtime_error for a missing photo or an unwritable path.
nlohmann::json write_photo_dataset(const std::filesystem::path& root, const PhotoSetOptions& options,
                                   const ProgressFn& progress = nullptr);

}  // namespace decodiff::data
