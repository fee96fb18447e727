// The `decodiff` metadata of a model file (DESIGN.md, CONTRACT: the model file;
// docs/model-format.md). Parsing is strict: a missing or mistyped key is one
// clear error naming the file and the key.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "anomaly_map.h"
#include "nn/autoencoder_kl.h"
#include "nn/unet.h"

namespace decodiff {

class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DiffusionConfig {
  int steps = 10;
  std::string schedule = "squaredcos_cap_v2";
  int reverse_steps = 5;
};

struct InputConfig {
  int resize = 288;  // the frame is resized to resize x resize (bicubic) ...
  int crop = 256;    // ... then center-cropped to crop x crop
};

struct Thresholds {
  std::optional<double> image_threshold;
  std::optional<double> pixel_threshold;
};

// Optional: written by decodiff-eval --calibrate (docs/model-format.md).
struct Calibration {
  std::optional<double> image_threshold;
  std::optional<double> pixel_threshold;
  std::string method;                           // "f1-optimal" or "normal-percentile"
  std::map<std::string, Thresholds> per_class;  // by class name: the same thresholds computed per class
  nlohmann::json provenance = nlohmann::json::object();  // every other key of the section, kept on save

  // Parses a "calibration" section; throws ModelFileError naming `source`.
  static Calibration from_json(const nlohmann::json& section, const std::string& source);
  // The thresholds that apply to `class_name`: its own where the calibration
  // has them (each normal class scores at its own level), else the global ones.
  Thresholds for_class(const std::string& class_name) const;
};

struct ModelConfig {
  static constexpr int kFormatVersion = 1;
  int format_version = kFormatVersion;
  nn::UNetConfig unet;
  nn::VaeConfig vae;
  DiffusionConfig diffusion;
  InputConfig input;
  std::vector<std::string> classes;
  AnomalyMapConfig anomaly_map;
  Calibration calibration;
  nlohmann::json training;  // provenance written by decodiff-train (free-form), null if absent

  // `source` names the file in error messages.
  static ModelConfig from_json(const std::string& text, const std::string& source);
  std::string to_json() const;

  // Accepts a class name or a decimal id; throws std::invalid_argument listing
  // the known classes when neither matches.
  int class_id(const std::string& name_or_id) const;
  std::string class_name(int id) const;
  int latent_size() const { return input.crop / static_cast<int>(vae_downsample_factor()); }
  int64_t vae_downsample_factor() const { return int64_t{1} << (vae.block_out_channels.size() - 1); }
  // Throws ModelFileError when the sections contradict each other.
  void validate(const std::string& source) const;
};

}  // namespace decodiff
