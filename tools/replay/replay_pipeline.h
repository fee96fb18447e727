// One video through the real element: filesrc ! decodebin ! videoconvert !
// decodiffinspect mode=sync ! appsink, in this process. The element writes its
// JSON-lines results; every frame leaving it is handed to a callback (with the
// element's metadata: score and anomaly map) for the thumbnails.
#pragma once

#include <opencv2/core.hpp>

#include <functional>
#include <optional>
#include <string>

namespace decodiff::replay {

struct PipelineSettings {
  std::string model, class_name, device = "auto", roi;
  std::optional<double> threshold;  // none: the model's calibrated threshold for the class
  int interval = 1;                 // inspect every Nth frame
  // Non-empty: the element draws its heatmap overlay and the frames are also
  // encoded into this MP4 file (x264enc, else avenc_mpeg4).
  std::string annotated;
};

struct InspectedFrame {
  int frame = 0;
  float score = 0;
  // The frame as RGB and the anomaly map (floats, with the frame rectangle it
  // covers); computed on demand (a copy), valid during the callback only.
  std::function<cv::Mat()> rgb;
  cv::Mat map;  // empty when the element already painted its overlay on the frame
  cv::Rect map_rect;
};

struct PipelineRun {
  int frames = 0;
  double seconds = 0;
};

// `expected_frames` (0: unknown) feeds the progress bar. Throws
// std::runtime_error with the pipeline's first error (e.g. an undecodable file).
PipelineRun run_pipeline(const std::string& video, const std::string& results_path,
                         const PipelineSettings& settings, int expected_frames,
                         const std::string& progress_label,
                         const std::function<void(const InspectedFrame&)>& on_frame);

// Makes the element findable (the build tree's plugin when it is not installed);
// throws std::runtime_error when it is not.
void ensure_element_available();

}  // namespace decodiff::replay
