// The DeCo-Diff inference engine: one loaded model on one device.
//
// Thread-safety: an Engine may be shared by any number of threads (and of
// GStreamer elements, see model-instance-id). run(), and inspect() on a GPU,
// serialise on an internal mutex, so concurrent callers are safe and each call
// sees the device alone; inspect() on a CPU shares no state between calls and
// runs concurrent calls side by side (each on its own cores, with one
// intra-op thread each as the shared elements' batches run them); config(),
// device() and resolve_class() are const and lock-free.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "anomaly_map.h"
#include "deviation_sampler.h"
#include "image_view.h"
#include "inspect_request.h"
#include "model_config.h"
#include "model_file.h"

namespace decodiff {

enum class Precision { kFloat32, kFloat16, kBFloat16 };
Precision parse_precision(const std::string& name);  // "fp32"|"float32", "fp16"|"float16", "bf16"|"bfloat16"
std::string to_string(Precision p);

// Memory layout of the networks' convolution weights and activations.
// kAuto is what decodiff-bench measured fastest (benchmarks/README.md): contiguous.
enum class Layout { kAuto, kContiguous, kChannelsLast };
Layout parse_layout(const std::string& name);  // "auto", "contiguous", "channels-last"
std::string to_string(Layout layout);

// The CUDA switches are off by default until decodiff-bench on a GPU shows a
// gain (scripts/device-check.sh measures each).
struct EngineOptions {
  std::string device = "auto";  // "auto" (cuda:0 when available, else cpu), "cpu", "cuda", "cuda:N"
  Precision precision = Precision::kFloat32;
  Layout layout = Layout::kAuto;
  // CUDA only: replay encode + correction + decodes as one captured graph per
  // (batch, reverse steps); the first call of each shape pays the capture.
  bool cuda_graphs = false;
  // CUDA only: let cuDNN time its algorithms for each new shape (process-wide).
  bool cudnn_benchmark = false;
  // CUDA only: frames go up and maps come down through pinned host buffers
  // with asynchronous copies on a dedicated copy stream.
  bool pinned_copies = false;
  // Engine::load runs the model file's fingerprint probe and refuses a model
  // that computes something else (docs/model-format.md, "Fingerprint"). Off
  // only for tools that (re)write the fingerprint.
  bool verify_fingerprint = true;
};

// Parses and checks a device string; throws std::invalid_argument with one
// clear line when the device does not exist on this machine.
at::Device resolve_device(const std::string& name);

struct InspectOptions {
  int reverse_steps = 0;             // 0 = the model's default
  bool want_reconstruction = false;  // fills InspectResult::reconstruction
  bool want_frame_map = true;        // fills InspectResult::frame_map
};

struct InspectResult {
  float score = 0;  // max of the anomaly map
  int class_id = 0;
  at::Tensor anomaly_map;  // [crop, crop] float32, CPU, in [0, 1]
  at::Tensor frame_map;    // [roi h, roi w] float32, CPU: the map on the inspected region; 0 outside the crop
  at::Tensor reconstruction;  // [crop, crop, 3] uint8 RGB, CPU (when requested)
  Rect inspected;             // the region actually inspected (frame coordinates)
  Rect crop_in_frame;         // where the model's center crop lies in frame coordinates
};

// Everything the tensor path computes (decodiff-infer --dump, parity tests).
struct EngineOutputs {
  at::Tensor input;                      // [B, 3, crop, crop] in [-1, 1]
  at::Tensor latent;                     // z = mean(encode(input)) * scaling_factor
  at::Tensor latent_rec;                 // corrected latent
  at::Tensor image_x0;                   // decode(z)
  at::Tensor image_rec;                  // decode(latent_rec)
  AnomalyMaps maps;                      // pixel / latent / fused / score
  std::vector<at::Tensor> step_latents;  // x after each reverse step (when requested)
};

class Engine {
 public:
  // Loads a model file onto a device and checks its fingerprint there (see
  // EngineOptions::verify_fingerprint). Throws ModelFileError (bad file, a
  // fingerprint that does not match) or std::invalid_argument (bad device /
  // precision) with one clear message.
  static std::shared_ptr<Engine> load(const std::string& model_path, const EngineOptions& options = {});
  // Wraps networks already in memory (e.g. a preset with random weights for
  // benchmarks, or a model being trained); moves them to the device.
  static std::shared_ptr<Engine> from_model(LoadedModel model, const EngineOptions& options = {},
                                            const std::string& label = "<in memory>");
  ~Engine();
  // The networks, for benchmarks and tools that time stages separately.
  // Hold no reference across calls to inspect()/run() from other threads.
  LoadedModel& model() { return model_; }

  const ModelConfig& config() const { return model_.config; }
  const std::string& model_path() const { return model_path_; }
  at::Device device() const { return device_; }
  Precision precision() const { return options_.precision; }
  // The layout in use (kAuto resolved): kContiguous or kChannelsLast.
  Layout layout() const { return options_.layout; }
  const EngineOptions& options() const { return options_; }
  // What load() found worth telling but not refusing (e.g. a model without a
  // fingerprint): full sentences naming the file, for the caller to show once.
  const std::vector<std::string>& load_warnings() const { return load_warnings_; }
  int resolve_class(const std::string& name_or_id) const { return model_.config.class_id(name_or_id); }
  // The calibrated image threshold, if the model file has one: the global one,
  // or the one for a class (its own when calibrated per class, else the global).
  std::optional<double> image_threshold() const { return model_.config.calibration.image_threshold; }
  std::optional<double> image_threshold(int class_id) const {
    return model_.config.calibration.for_class(model_.config.class_name(class_id)).image_threshold;
  }

  // Inspects a batch of frames (any sizes; each with its own class and ROI).
  std::vector<InspectResult> inspect(const std::vector<InspectRequest>& requests,
                                     const InspectOptions& options = {});

  // The tensor path: input [B, 3, crop, crop] in [-1, 1] (any device/dtype),
  // class_ids [B] int64. Results stay on the engine's device.
  EngineOutputs run(const at::Tensor& input, const at::Tensor& class_ids, int reverse_steps = 0,
                    bool keep_steps = false);

  // uint8 frames -> [B, 3, crop, crop] in [-1, 1] on the device, as the
  // reference pre-processing (Pillow bicubic resize to resize x resize, center crop).
  at::Tensor preprocess(const std::vector<InspectRequest>& requests);

 private:
  Engine(LoadedModel model, std::string model_path, at::Device device, const EngineOptions& options);
  EngineOutputs run_locked(const at::Tensor& input, const at::Tensor& class_ids, int reverse_steps,
                           bool keep_steps);
  // encode, correct, decode both: {latent, latent_rec, decoded [rec; x0]}; no host synchronisation.
  std::vector<at::Tensor> correct_and_decode(const at::Tensor& input, const at::Tensor& ids, int steps,
                                             const DeviationSampler::StepObserver& after_step);

  LoadedModel model_;
  std::string model_path_;
  at::Device device_;
  EngineOptions options_;  // as asked, with layout kAuto resolved
  struct DeviceIo;         // host transfers and captured CUDA graphs (engine.cpp)
  std::unique_ptr<DeviceIo> io_;
  std::vector<std::string> load_warnings_;
  std::mutex mutex_;
};

}  // namespace decodiff
