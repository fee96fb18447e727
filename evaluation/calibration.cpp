#include "calibration.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "metrics/classification.h"
#include "model_file.h"

namespace decodiff::evaluation {

CalibrationMethod parse_calibration_method(const std::string& name) {
  if (name == "auto") return CalibrationMethod::kAuto;
  if (name == "f1-optimal" || name == "f1") return CalibrationMethod::kF1Optimal;
  if (name == "normal-percentile" || name == "percentile") return CalibrationMethod::kNormalPercentile;
  throw std::invalid_argument("unknown calibration method '" + name +
                              "' (auto, f1-optimal, normal-percentile)");
}

std::string to_string(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kAuto:
      return "auto";
    case CalibrationMethod::kF1Optimal:
      return "f1-optimal";
    case CalibrationMethod::kNormalPercentile:
      return "normal-percentile";
  }
  return "?";
}

CalibrationMethod resolve_calibration_method(CalibrationMethod requested, uint64_t images,
                                             uint64_t anomalous_images) {
  if (images == 0) throw std::invalid_argument("calibration: the calibration split has no image");
  if (requested == CalibrationMethod::kAuto)
    return anomalous_images ? CalibrationMethod::kF1Optimal : CalibrationMethod::kNormalPercentile;
  if (requested == CalibrationMethod::kF1Optimal && anomalous_images == 0)
    throw std::invalid_argument(
        "calibration: f1-optimal needs anomalous images, the calibration split has none");
  if (requested == CalibrationMethod::kNormalPercentile && anomalous_images == images)
    throw std::invalid_argument(
        "calibration: normal-percentile needs normal images, the calibration split has none");
  return requested;
}

CalibrationCollector::CalibrationCollector(CalibrationMethod method, double percentile,
                                           uint64_t expected_pixels, uint64_t max_pixel_samples)
    : method_(method), percentile_(percentile) {
  if (method == CalibrationMethod::kAuto)
    throw std::invalid_argument("CalibrationCollector: resolve the method first");
  if (!(percentile >= 0.0 && percentile <= 100.0))
    throw std::invalid_argument("calibration percentile " + std::to_string(percentile) +
                                " is outside [0, 100]");
  if (method == CalibrationMethod::kF1Optimal) pixels_ = std::make_unique<metrics::PixelCurveAccumulator>();
  if (max_pixel_samples > 0 && expected_pixels > max_pixel_samples)
    stride_ = (expected_pixels + max_pixel_samples - 1) / max_pixel_samples;
}

CalibrationCollector::~CalibrationCollector() = default;

void CalibrationCollector::add(const std::string& class_name, float score, bool anomalous, const float* map,
                               const uint8_t* mask, int width, int height) {
  PerClass& c = classes_[class_name];
  const size_t n = static_cast<size_t>(width) * height;
  if (pixels_) {
    std::vector<uint8_t> zeros;
    if (!mask) {
      zeros.assign(n, 0);
      mask = zeros.data();
    }
    pixels_->add(map, mask, width, height);
  } else if (!anomalous) {
    for (size_t i = 0; i < n; ++i, ++pixel_counter_)
      if (pixel_counter_ % stride_ == 0) c.pixel_samples.push_back(map[i]);
  }
  c.scores.push_back(score);
  c.labels.push_back(anomalous ? 1 : 0);
}

nlohmann::json CalibrationCollector::compute() {
  using json = nlohmann::json;
  std::vector<float> scores, normal_scores, samples;
  std::vector<uint8_t> labels;
  json per_class = json::object();
  for (const auto& [name, c] : classes_) {
    scores.insert(scores.end(), c.scores.begin(), c.scores.end());
    labels.insert(labels.end(), c.labels.begin(), c.labels.end());
    std::vector<float> normal;
    for (size_t i = 0; i < c.scores.size(); ++i)
      if (!c.labels[i]) normal.push_back(c.scores[i]);
    normal_scores.insert(normal_scores.end(), normal.begin(), normal.end());
    samples.insert(samples.end(), c.pixel_samples.begin(), c.pixel_samples.end());
    json k = json::object();
    if (method_ == CalibrationMethod::kF1Optimal) {
      const metrics::F1Max f1 = metrics::f1_max(c.scores, c.labels);
      if (std::isfinite(f1.threshold)) k["image_threshold"] = f1.threshold;
    } else if (!normal.empty()) {
      k["image_threshold"] = metrics::percentile_threshold(normal, percentile_);
      if (!c.pixel_samples.empty())
        k["pixel_threshold"] = metrics::percentile_threshold(c.pixel_samples, percentile_);
    }
    per_class[name] = k;
  }
  if (scores.empty()) throw std::runtime_error("calibration: no image was scored");
  uint64_t anomalous = 0;
  for (uint8_t l : labels) anomalous += l;

  json out = {{"method", to_string(method_)}, {"images", scores.size()}, {"anomalous_images", anomalous}};
  if (method_ == CalibrationMethod::kF1Optimal) {
    const metrics::F1Max f1 = metrics::f1_max(scores, labels);
    const metrics::PixelMetrics p = pixels_->compute();
    if (!std::isfinite(f1.threshold))
      throw std::runtime_error("calibration: no anomalous image to optimise F1 on");
    if (!std::isfinite(p.f1_threshold))
      throw std::runtime_error("calibration: the anomalous images have no anomalous pixel in their masks");
    out["image_threshold"] = f1.threshold;
    out["pixel_threshold"] = p.f1_threshold;
    out["image_f1"] = f1.f1;
    out["pixel_f1"] = p.f1_max;
  } else {
    if (normal_scores.empty())
      throw std::runtime_error("calibration: no normal image to take a percentile of");
    out["percentile"] = percentile_;
    out["image_threshold"] = metrics::percentile_threshold(normal_scores, percentile_);
    out["pixel_threshold"] = metrics::percentile_threshold(samples, percentile_);
    out["pixel_sample_stride"] = stride_;
  }
  out["per_class"] = per_class;
  return out;
}

void write_model_calibration(const std::string& model_path, const nlohmann::json& calibration) {
  namespace fs = std::filesystem;
  // edit_model_metadata writes a new file and renames it over the old one:
  // give the new file the old one's permissions.
  std::error_code ec;
  const fs::perms perms = fs::status(model_path, ec).permissions();
  try {
    edit_model_metadata(model_path, [&](nlohmann::json& meta) { meta["calibration"] = calibration; });
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot write the calibration: ") + e.what());
  }
  if (!ec) fs::permissions(model_path, perms, ec);
}

}  // namespace decodiff::evaluation
