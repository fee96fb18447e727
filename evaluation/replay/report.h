// report.json and report.html of a replay (docs/replay.md, "The report").
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "gate.h"
#include "judgement.h"
#include "labels.h"
#include "sweep.h"
#include "thumbnails.h"

namespace decodiff::replay {

struct ReplayReport {
  nlohmann::json run = nlohmann::json::object();  // tool, model, class, device, roi, ... (as given)
  std::vector<VideoReplay> videos;
  std::vector<std::optional<VideoLabels>> labels;  // per video, as read (for the boxes and file names)
  std::vector<std::string> results_files;          // per video: the JSONL's name inside the report folder
  float threshold = 0;                             // what the element applied
  std::vector<SweepRow> sweep;
  std::optional<PickRule> pick_rule;
  std::optional<size_t> picked;  // row of `sweep`
  bool threshold_written = false;
  Gate gate;
  const ThumbnailKeeper* thumbnails = nullptr;

  // The threshold the verdicts, the gate and the headline numbers refer to:
  // the picked one when a rule picked one, else the element's.
  float operating_threshold() const;
  Counts operating_counts() const;
  std::vector<PartVerdict> operating_verdicts() const;
  bool labelled() const;
};

nlohmann::json report_json(const ReplayReport& report);

// One self-contained page: the pictures are inline PNGs (data: URIs), no
// script, no style sheet or font from elsewhere.
std::string report_html(const ReplayReport& report);

// "detected", "missed", "false alarm" or "ok".
std::string verdict_name(bool defective, bool alarmed);

}  // namespace decodiff::replay
