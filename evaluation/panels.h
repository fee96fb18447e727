// Per-image pictures: input | reconstruction | ground truth | heatmap overlay,
// with the predicted region (map >= pixel threshold) contoured on the overlay.
#pragma once

#include <opencv2/core.hpp>

#include <string>

namespace decodiff::evaluation {

struct PanelContent {
  cv::Mat input;           // CV_8UC3 RGB, crop x crop (the model's input crop)
  cv::Mat reconstruction;  // CV_8UC3 RGB, crop x crop (decode of the corrected latent)
  cv::Mat mask;            // CV_8UC1 0/1, crop x crop
  cv::Mat map;             // CV_32FC1 in [0, 1], crop x crop
  std::string caption;     // first footer line, e.g. "bottle / broken_large / 003.png"
  float score = 0.0f;
  bool anomalous = false;  // ground-truth label
};

// A BGR picture (for cv::imwrite). Tiles are shown at least 256 px wide
// (small crops are enlarged, nearest neighbour), with a title over each tile
// and a footer with the caption, the score, the label and the thresholds.
// image_threshold < 0: not shown.
cv::Mat render_panel(const PanelContent& content, double pixel_threshold, double image_threshold);

// Stores the content (lossless PNG + raw float map) under `stem` + ".parts.png" /
// ".map.f32" / ".json", so that panels can be drawn once the thresholds are known.
void stash_panel(const std::string& stem, const PanelContent& content);
PanelContent load_stashed_panel(const std::string& stem);
void remove_stashed_panel(const std::string& stem);

}  // namespace decodiff::evaluation
