#include <algorithm>
#include <cmath>

#include "report.h"

namespace decodiff::replay {
namespace {

using nlohmann::json;

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json counts_json(const Counts& c) {
  return {{"inspected_frames", c.inspected_frames},
          {"anomalous_frames", c.anomalous_frames},
          {"positive_frames", c.positive_frames},
          {"detected_frames", c.detected_frames},
          {"negative_frames", c.negative_frames},
          {"false_alarm_frames", c.false_alarm_frames},
          {"defective_parts", c.defective_parts},
          {"detected_parts", c.detected_parts},
          {"normal_parts", c.normal_parts},
          {"false_alarm_parts", c.false_alarm_parts},
          {"frame_recall", number_or_null(c.frame_recall())},
          {"frame_false_alarm_rate", number_or_null(c.frame_false_alarm_rate())},
          {"part_recall", number_or_null(c.part_recall())},
          {"part_false_alarm_rate", number_or_null(c.part_false_alarm_rate())}};
}

json latency_json(const std::vector<VideoReplay>& videos) {
  std::vector<double> v;
  for (const VideoReplay& video : videos)
    for (const FrameResult& r : video.frames) v.push_back(r.latency_ms);
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5))];
  };
  return {{"median", at(0.5)}, {"p95", at(0.95)}, {"max", v.back()}, {"frames", v.size()}};
}

}  // namespace

std::string verdict_name(bool defective, bool alarmed) {
  return defective ? (alarmed ? "detected" : "missed") : (alarmed ? "false alarm" : "ok");
}

bool ReplayReport::labelled() const {
  return std::any_of(videos.begin(), videos.end(), [](const VideoReplay& v) { return v.labels.has_value(); });
}

float ReplayReport::operating_threshold() const { return picked ? sweep[*picked].threshold : threshold; }

Counts ReplayReport::operating_counts() const {
  return picked ? count(videos, sweep[*picked].threshold) : count(videos, std::nullopt);
}

std::vector<PartVerdict> ReplayReport::operating_verdicts() const {
  return picked ? part_verdicts(videos, sweep[*picked].threshold) : part_verdicts(videos, std::nullopt);
}

nlohmann::json report_json(const ReplayReport& report) {
  json j;
  j["run"] = report.run;
  j["element_threshold"] = report.threshold;
  j["threshold"] = report.operating_threshold();
  j["threshold_source"] = report.picked ? "picked" : "element";
  j["labelled"] = report.labelled();
  j["counts"] = counts_json(report.operating_counts());
  json videos = json::array();
  for (size_t v = 0; v < report.videos.size(); ++v) {
    const VideoReplay& video = report.videos[v];
    const std::vector<VideoReplay> one{video};
    const Counts c = report.picked ? count(one, report.operating_threshold()) : count(one, std::nullopt);
    videos.push_back(
        {{"video", video.video},
         {"labels", report.labels[v] ? json(report.labels[v]->source) : json(nullptr)},
         {"results", report.results_files[v]},
         {"frames", video.frames.size()},
         {"seconds", video.seconds},
         {"frames_per_s", video.seconds > 0 ? json(video.frames.size() / video.seconds) : json(nullptr)},
         {"counts", counts_json(c)}});
  }
  j["videos"] = videos;
  json parts = json::array();
  for (const PartVerdict& pv : report.operating_verdicts()) {
    const JudgedPart& part = report.videos[pv.video].labels->parts[pv.part];
    parts.push_back({{"video", pv.video},
                     {"id", part.id},
                     {"defective", part.defective},
                     {"defect_kind", part.defect_kind},
                     {"judged_frames", part.frames.size()},
                     {"max_score", std::isnan(pv.max_score)   ? json(nullptr)
                                   : std::isinf(pv.max_score) ? json("failed")
                                                              : json(pv.max_score)},
                     {"max_score_frame", pv.max_frame},
                     {"alarmed", pv.alarmed},
                     {"verdict", verdict_name(part.defective, pv.alarmed)}});
  }
  j["parts"] = parts;
  json sweep = json::array();
  for (const SweepRow& row : report.sweep) {
    json r = counts_json(row.counts);
    r["threshold"] = row.threshold;
    sweep.push_back(r);
  }
  j["sweep"] = sweep;
  if (report.pick_rule) {
    j["pick"] = {{"rule", report.pick_rule->text},
                 {"threshold", report.picked ? json(report.sweep[*report.picked].threshold) : json(nullptr)},
                 {"written_to_model", report.threshold_written}};
  } else {
    j["pick"] = nullptr;
  }
  if (report.gate.enabled()) {
    const GateResult g = check_gate(report.gate, report.operating_counts());
    j["gate"] = {
        {"min_part_recall", report.gate.min_part_recall ? json(*report.gate.min_part_recall) : json(nullptr)},
        {"max_false_alarms",
         report.gate.max_false_alarms ? json(*report.gate.max_false_alarms) : json(nullptr)},
        {"passed", g.passed},
        {"reason", g.reason}};
  } else {
    j["gate"] = nullptr;
  }
  j["latency_ms"] = latency_json(report.videos);
  return j;
}

}  // namespace decodiff::replay
