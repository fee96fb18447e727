// The training content of the general-purpose codec (decodiff-train
// --codec-only): random crops of real photos at many scales, of synthetic
// parts (with and without defects), procedural images, and cut-and-paste
// between them, with colour jitter, flips and quarter turns. Crop i is a pure
// function of (seed, i), so a resumed run sees what the interrupted one would
// have seen.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "photo_catalogue.h"

namespace decodiff::data {

struct CodecMixOptions {
  std::filesystem::path photo_dir = kOpenCvDocPhotoDir;  // only codec_training_photos() of it are used
  uint64_t seed = 1;
  // Shares of the four sources (normalised); a share of 0 drops a source.
  double photo_share = 0.45, synth_share = 0.2, procedural_share = 0.25, paste_share = 0.1;
  double jitter_probability = 0.4;
  int synth_pool = 160;  // synthetic samples rendered up front (every category, good and defective)
  int synth_size = 192;
  // Output pixels per source pixel, drawn log-uniformly: 1/6 takes a 384-px region into a 64-px crop.
  double min_zoom = 1.0 / 6, max_zoom = 1.0;
};

class CodecMix {
 public:
  // Loads the training photos and renders the synthetic pool; throws
  // std::runtime_error when the photo share is > 0 and no photo is found.
  explicit CodecMix(const CodecMixOptions& options);

  // Crop `index` (CV_8UC3 BGR, size x size).
  cv::Mat crop(uint64_t index, int size) const;

  // The recipe, for the codec file's provenance.
  nlohmann::json describe() const;
  size_t photo_count() const { return photos_.size(); }

 private:
  cv::Mat source_crop(int source, uint64_t seed, int size) const;

  CodecMixOptions options_;
  std::vector<cv::Mat> photos_, synth_;
  std::vector<std::string> photo_names_;
  double cumulative_[4] = {0, 0, 0, 0};
};

// count crops (size x size) of the held-out photos, source regions taken at
// zooms between 0.2 and 0.6 (the scales of decodiff-synth photos' crops),
// spread evenly over the photos: what the codec's fidelity is measured on.
std::vector<cv::Mat> held_out_crops(const std::filesystem::path& photo_dir, int size, int count,
                                    uint64_t seed);

// A random size x size crop of image at a zoom in [min_zoom, max_zoom]
// (log-uniform; clamped so that the region fits), area-resampled.
cv::Mat random_zoomed_crop(const cv::Mat& image, int size, double min_zoom, double max_zoom, uint64_t seed);

}  // namespace decodiff::data
