#include "calibration.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
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

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": cannot write the calibration: " + what);
}

}  // namespace

void write_model_calibration(const std::string& model_path, const nlohmann::json& calibration) {
  using json = nlohmann::json;
  namespace fs = std::filesystem;
  std::ifstream in(model_path, std::ios::binary);
  if (!in) fail(model_path, "cannot open the file");
  std::error_code ec;
  const uint64_t file_size = fs::file_size(model_path, ec);
  if (ec || file_size < 8) fail(model_path, "not a safetensors file");
  uint8_t len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  if (header_len > file_size - 8 || header_len > (100u << 20))
    fail(model_path, "bad safetensors header length");
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  if (!in) fail(model_path, "truncated header");

  json doc;
  try {
    doc = json::parse(header);
  } catch (const json::exception& e) {
    fail(model_path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("__metadata__") || !doc["__metadata__"].is_object() ||
      !doc["__metadata__"].contains("decodiff") || !doc["__metadata__"]["decodiff"].is_string())
    fail(model_path, "not a decodiff model (no 'decodiff' metadata)");
  json meta;
  try {
    meta = json::parse(doc["__metadata__"]["decodiff"].get<std::string>());
  } catch (const json::exception& e) {
    fail(model_path, std::string("metadata 'decodiff' is not valid JSON: ") + e.what());
  }
  meta["calibration"] = calibration;
  const std::string new_meta = meta.dump();
  ModelConfig::from_json(new_meta, model_path);  // the engine must still read it
  doc["__metadata__"]["decodiff"] = new_meta;
  std::string new_header = doc.dump();
  while (new_header.size() % 8) new_header.push_back(' ');  // safetensors aligns the data to 8 bytes

  const fs::path final_path(model_path);
  const fs::path tmp = final_path.parent_path() / (final_path.filename().string() + ".calibrating.tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(model_path, "cannot create '" + tmp.string() + "'");
    uint64_t n = new_header.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out.write(new_header.data(), static_cast<std::streamsize>(new_header.size()));
    std::vector<char> buf(1 << 20);
    uint64_t left = file_size - 8 - header_len;
    while (left > 0) {
      const std::streamsize chunk = static_cast<std::streamsize>(std::min<uint64_t>(left, buf.size()));
      in.read(buf.data(), chunk);
      if (in.gcount() != chunk) {
        out.close();
        fs::remove(tmp, ec);
        fail(model_path, "file shrank while copying");
      }
      out.write(buf.data(), chunk);
      left -= static_cast<uint64_t>(chunk);
    }
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      fail(model_path, "write error on '" + tmp.string() + "' (disk full?)");
    }
  }
  try {
    read_model_config(tmp.string());
  } catch (const std::exception& e) {
    fs::remove(tmp, ec);
    fail(model_path, std::string("the rewritten file does not read back: ") + e.what());
  }
  fs::permissions(tmp, fs::status(final_path, ec).permissions(), ec);
  fs::rename(tmp, final_path, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    fail(model_path, "cannot replace the file: " + why);
  }
}

}  // namespace decodiff::evaluation
