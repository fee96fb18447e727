// The element's view of the engine: frames in, OpenCV maps out. This is
// the only file of the plugin that sees LibTorch types (engine.h), so the
// GObject code compiles quickly and never depends on ATen.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "image_view.h"
#include "inspect_request.h"

namespace decodiff {
class Engine;
}

namespace decodiff::gst {

struct Inspection {
  float score = 0;
  int class_id = 0;
  cv::Mat anomaly_map;  // CV_32F, crop x crop, the model's map
  Rect map_rect;        // where anomaly_map lies in the frame
  cv::Mat frame_map;    // CV_32F, the map on the inspected region (0 outside map_rect)
  Rect inspected;       // frame coordinates of frame_map
  double latency_ms = 0;
};

struct InspectorOptions {
  std::string model;
  std::string device = "auto";
  std::string precision = "fp32";
  std::string instance_id;  // empty: a private engine
};

class Inspector {
 public:
  // Loads the model, or shares the engine of another element with the same
  // instance id. Throws std::exception with one clear message. `loaded` tells
  // whether this call read the model file.
  static std::shared_ptr<Inspector> open(const InspectorOptions& options, bool* loaded = nullptr);

  int resolve_class(const std::string& name_or_id) const;  // throws std::invalid_argument
  std::string class_name(int id) const;
  // The model's calibrated image threshold for a class (its own, else the global one).
  std::optional<double> calibrated_threshold(int class_id) const;
  void check_steps(int steps) const;  // throws std::invalid_argument naming the legal values
  std::string device_name() const;
  // How many engine calls pay to run side by side: on a CPU, the cores over
  // LibTorch's threads per call; on a GPU, one.
  unsigned parallel_calls() const;
  // What loading the model found worth a warning (e.g. no fingerprint to check it by).
  std::vector<std::string> load_warnings() const;

  // One engine call for all requests (a batch of frames and regions). Maps
  // and scores are exactly what decodiff::Engine::inspect returns for them.
  std::vector<Inspection> inspect(const std::vector<InspectRequest>& requests, int steps);

 private:
  explicit Inspector(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}
  std::shared_ptr<Engine> engine_;
};

}  // namespace decodiff::gst
