// Threshold calibration (docs/model-format.md, section "Calibration").
//
// image_threshold: a test image is anomalous when its score (max of the map) is
// >= it; pixel_threshold: a pixel belongs to a predicted anomalous region when
// its map value is >= it.
//  - "f1-optimal" (calibration data with anomalies): the thresholds that
//    maximise F1 over the pooled images / pooled pixels of every class
//    (evaluation/metrics f1_max, exact).
//  - "normal-percentile" (only normal images): the q-th percentile (default
//    99.5) of the normal images' scores / of their pixels' map values (numpy's
//    linear method). Pixel values are sub-sampled with a fixed stride when the
//    data has more than max_pixel_samples pixels (exact below that).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metrics/pixel_curves.h"

namespace decodiff::evaluation {

enum class CalibrationMethod { kAuto, kF1Optimal, kNormalPercentile };
CalibrationMethod parse_calibration_method(
    const std::string& name);  // "auto", "f1-optimal", "normal-percentile"
std::string to_string(CalibrationMethod method);

struct CalibrationOptions {
  bool enabled = false;
  std::string split = "test";  // "test" (the evaluated images) or "train" (train/good: normal only)
  CalibrationMethod method = CalibrationMethod::kAuto;
  double percentile = 99.5;
  uint64_t max_pixel_samples = uint64_t{1} << 24;
};

// kAuto -> kF1Optimal when the data has anomalous images, else kNormalPercentile.
// Throws std::invalid_argument when the method cannot work on such data.
CalibrationMethod resolve_calibration_method(CalibrationMethod requested, uint64_t images,
                                             uint64_t anomalous_images);

class CalibrationCollector {
 public:
  // method: resolved (not kAuto). expected_pixels: how many pixels will be
  // added in all (sets the sub-sampling stride for the percentile method).
  CalibrationCollector(CalibrationMethod method, double percentile, uint64_t expected_pixels,
                       uint64_t max_pixel_samples = uint64_t{1} << 24);
  ~CalibrationCollector();

  // mask null = no anomalous pixel.
  void add(const std::string& class_name, float score, bool anomalous, const float* map, const uint8_t* mask,
           int width, int height);

  // {"image_threshold", "pixel_threshold", "method", ["percentile", "pixel_sample_stride"],
  //  "images", "anomalous_images", "per_class": {name: {"image_threshold", ["pixel_threshold"]}}}.
  // Throws std::runtime_error when no image (or, for percentile, no normal image) was added.
  nlohmann::json compute();

 private:
  struct PerClass {
    std::vector<float> scores;
    std::vector<uint8_t> labels;
    std::vector<float> pixel_samples;  // percentile method
  };
  CalibrationMethod method_;
  double percentile_;
  uint64_t stride_ = 1;
  uint64_t pixel_counter_ = 0;
  std::map<std::string, PerClass> classes_;
  std::unique_ptr<metrics::PixelCurveAccumulator> pixels_;  // f1-optimal method
};

// Replaces the "calibration" section of a model file's decodiff metadata
// through core's edit_model_metadata (model_file.h): the other metadata keys
// and sections and the tensor bytes are copied as they are, the new file is
// read back before it replaces the old one, and it keeps the old one's
// permissions. Throws std::runtime_error naming the file.
void write_model_calibration(const std::string& model_path, const nlohmann::json& calibration);

}  // namespace decodiff::evaluation
