// The `decodiff` metadata of a model file (docs/model-format.md;
// docs/model-format.md). Parsing is strict: a missing or mistyped key is one
// clear error naming the file and the key.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
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

// The probe's statistics (docs/model-format.md, "Fingerprint").
struct FingerprintStats {
  double score = 0;      // the image score: maximum of the anomaly map
  double map_mean = 0;   // mean of the anomaly map
  double map_std = 0;    // its (population) standard deviation
  double vae_error = 0;  // mean |decode(encode(probe)) - probe|: the VAE alone
  // mean |corrected latent - latent|: the UNet's correction, before the map's
  // clipping (which saturates on an image far from the model's parts)
  double latent_change = 0;
};

// Absolute: a statistic passes when |measured - expected| <= the tolerance of
// the precision the engine runs in.
struct FingerprintTolerance {
  static constexpr double kDefaultFloat32 = 2e-3;
  static constexpr double kDefaultReducedPrecision = 0.05;
  double float32 = kDefaultFloat32;                     // fp32 on any device
  double reduced_precision = kDefaultReducedPrecision;  // fp16 and bf16
};

// Optional: what the model computes on a fixed probe input, checked at load
// (written by decodiff-train, decodiff-eval --calibrate, decodiff-fingerprint).
struct Fingerprint {
  static constexpr int kVersion = 1;
  static constexpr uint64_t kDefaultSeed = 20240611;
  int version = kVersion;
  uint64_t seed = kDefaultSeed;  // of the probe image (probe_image.h)
  std::string class_name;        // the class the probe is inspected as
  int reverse_steps = 0;         // correction steps of the probe run
  FingerprintStats expected;
  FingerprintTolerance tolerance;
  nlohmann::json provenance = nlohmann::json::object();  // every other key (device, tool, ...), kept on save
  // A section of another version, kept as it is: this build cannot check it.
  nlohmann::json unsupported;

  bool supported() const { return unsupported.is_null(); }
  // Parses a "fingerprint" section; throws ModelFileError naming `source` and the key.
  static Fingerprint from_json(const nlohmann::json& section, const std::string& source);
  nlohmann::json to_json() const;
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
  std::optional<Fingerprint> fingerprint;

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
