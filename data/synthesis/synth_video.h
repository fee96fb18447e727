// A recorded-inspection video: parts of one category ride a conveyor belt
// through a fixed camera's view; some carry a defect at known frames.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "render_sample.h"
#include "synth_dataset.h"

namespace decodiff::data {

struct VideoOptions {
  uint64_t seed = 1;
  std::string category = "nut";
  int width = 640;
  int height = 480;
  double fps = 30.0;
  int parts = 8;
  double defect_fraction = 0.5;  // round(parts * fraction) parts are defective
  int part_size = 0;             // side of a part in pixels; 0: 55% of the height
  int speed = 8;                 // belt speed in pixels per frame, left to right
  int gap = 0;                   // pixels between consecutive parts; 0: half a part
};

// Throws std::invalid_argument naming the bad option.
void validate(const VideoOptions& options);

class SyntheticVideo {
 public:
  // Renders the parts (the frames are composed on demand by frame()).
  explicit SyntheticVideo(const VideoOptions& options);

  int frame_count() const { return frame_count_; }
  cv::Size frame_size() const { return {options_.width, options_.height}; }
  const VideoOptions& options() const { return options_; }

  // Frame `index` (0-based) as CV_8UC3 BGR; deterministic.
  cv::Mat frame(int index) const;

  // The ground truth: see docs/synthetic-data.md for the fields.
  const nlohmann::json& labels() const { return labels_; }

 private:
  struct Part {
    SynthSample sample;
    cv::Mat alpha;   // CV_32FC1, soft edge of the part
    cv::Mat shadow;  // CV_32FC1, same size as alpha, offset and blurred
    int start = 0;   // frame at which the part's left edge is at x = -part_size
    int top = 0;     // y of the part's top edge
  };
  int left_edge(const Part& part, int frame) const;

  VideoOptions options_;
  int part_size_ = 0;
  int frame_count_ = 0;
  std::vector<Part> parts_;
  cv::Mat belt_;  // CV_8UC3, the background tiled a period wider than the frame
  int belt_period_ = 0;
  nlohmann::json labels_;
};

// The fourcc used for a video file name: "mp4v" for .mp4/.m4v/.mov, "MJPG"
// for .avi/.mkv; throws std::invalid_argument for other extensions.
std::string default_fourcc(const std::filesystem::path& video);

struct VideoOutput {
  std::filesystem::path video;       // empty: no video file
  std::string fourcc;                // empty: default_fourcc(video)
  std::filesystem::path frames_dir;  // empty: no PNG sequence (else <dir>/00000.png, ...)
  std::filesystem::path labels;      // empty: no labels file
};

// Renders the video and writes what `output` asks for; returns the labels
// (with the output names filled in). Throws std::runtime_error naming the
// path when something cannot be written, std::invalid_argument for bad options.
nlohmann::json write_synthetic_video(const VideoOptions& options, const VideoOutput& output,
                                     const ProgressFn& progress = nullptr);

}  // namespace decodiff::data
