// decodiff-replay: replays recorded videos through the real decodiffinspect
// element (sync mode) and writes a QA report (report.html, report.json) against
// the videos' labels, with a threshold sweep, an optional threshold pick
// written into the model's calibration, and a release gate (docs/replay.md).
// Exit codes: 0 done (gate passed), 1 bad input or a failed replay (nothing
// written), 2 bad command line, 3 the report was written but the gate failed.
#include <gst/gst.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "calibration.h"
#include "decodiff_config.h"
#include "model_file.h"
#include "replay_pipeline.h"
#include "report.h"
#include "staging_dir.h"

namespace fs = std::filesystem;
using namespace decodiff::replay;

namespace {

struct Options {
  std::string model, class_name, roi, device = "auto", out, pick, annotated;
  int interval = 1;
  std::vector<std::string> videos, labels;
  std::optional<double> threshold, min_part_recall;
  std::optional<int> max_false_alarms;
  bool write_threshold = false;
};

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::optional<Box> parse_roi(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int v[4];
  char tail = 0;
  if (std::sscanf(text.c_str(), " %d , %d , %d , %d %c", &v[0], &v[1], &v[2], &v[3], &tail) != 4 ||
      v[0] < 0 || v[1] < 0 || v[2] < 1 || v[3] < 1)
    throw InputError("--roi '" + text +
                     "': expected one region x,y,width,height (decimal, x, y >= 0, sizes >= 1)");
  return Box{v[0], v[1], v[2], v[3]};
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string utc_now() {
  char b[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return b;
}

void write_threshold(const std::string& model, const std::string& class_name, float threshold,
                     const std::string& rule, size_t videos) {
  const decodiff::ModelConfig config = decodiff::read_model_config(model);
  nlohmann::json calibration =
      nlohmann::json::parse(config.to_json()).value("calibration", nlohmann::json::object());
  calibration["per_class"][class_name]["image_threshold"] = threshold;
  calibration["replay"][class_name] = {{"rule", rule},
                                       {"videos", videos},
                                       {"tool", std::string("decodiff-replay ") + DECODIFF_VERSION},
                                       {"created", utc_now()}};
  decodiff::evaluation::write_model_calibration(model, calibration);
}

std::string pct(int a, int b) {
  char s[64];
  if (b == 0) return std::to_string(a) + "/0 (n/a)";
  std::snprintf(s, sizeof s, "%d/%d (%.1f%%)", a, b, 100.0 * a / b);
  return s;
}

int run(const Options& o) {
  // --- everything checked before anything runs --------------------------------
  if (!fs::is_regular_file(o.model)) throw InputError("the model " + o.model + " does not exist");
  decodiff::ModelConfig config;
  try {
    config = decodiff::read_model_config(o.model);
  } catch (const std::exception& e) {
    throw InputError(e.what());
  }
  std::string class_name = config.classes.empty() ? "" : config.classes.front();
  if (!o.class_name.empty()) {
    try {
      class_name = config.class_name(config.class_id(o.class_name));
    } catch (const std::exception& e) {
      throw InputError("the model " + o.model + " has no class '" + o.class_name + "': " + e.what());
    }
  }
  const std::optional<Box> roi = parse_roi(o.roi);
  for (const std::string& v : o.videos)
    if (!fs::is_regular_file(v)) throw InputError("the video " + v + " does not exist");
  if (!o.labels.empty() && o.labels.size() != o.videos.size())
    throw InputError(
        "give one --labels per --video (in the same order), or none: " + std::to_string(o.videos.size()) +
        " videos, " + std::to_string(o.labels.size()) + " labels");
  if ((!o.pick.empty() || o.min_part_recall || o.max_false_alarms) && o.labels.empty())
    throw InputError("--pick-threshold, --min-part-recall and --max-false-alarms need --labels");
  if (o.write_threshold && o.pick.empty()) throw InputError("--write-threshold needs --pick-threshold");
  std::optional<PickRule> rule;
  if (!o.pick.empty()) {
    try {
      rule = parse_pick_rule(o.pick);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  }
  ReplayReport report;
  std::vector<std::optional<JudgedLabels>> judged(o.videos.size());
  report.labels.resize(o.videos.size());
  for (size_t i = 0; i < o.labels.size(); ++i) {
    try {
      report.labels[i] = read_labels(o.labels[i]);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
    const VideoLabels& l = *report.labels[i];
    judged[i] = judge_labels(l, model_view(l.width, l.height, roi, config.input.resize, config.input.crop));
  }
  ensure_element_available();

  // --- the replays, into a staging folder --------------------------------------
  StagingDir staging(o.out);
  ThumbnailKeeper keeper(judged);
  if (!o.annotated.empty() && o.videos.size() != 1) throw InputError("--annotated needs exactly one --video");
  PipelineSettings settings{o.model, class_name, o.device, o.roi, o.threshold, o.interval, ""};
  // the annotated video, like the report, appears only when everything succeeded
  if (!o.annotated.empty()) settings.annotated = (fs::path(staging.path()) / "annotated.mp4").string();
  for (size_t i = 0; i < o.videos.size(); ++i) {
    const std::string results_name = "results-" + std::to_string(i + 1) + ".jsonl";
    const fs::path results = fs::path(staging.path()) / results_name;
    const int expected =
        report.labels[i] && report.labels[i]->frame_count ? *report.labels[i]->frame_count : 0;
    const std::string label = "replay " + std::to_string(i + 1) + "/" + std::to_string(o.videos.size());
    PipelineRun ran;
    try {
      ran = run_pipeline(
          o.videos[i], results.string(), settings, expected, label, [&](const InspectedFrame& f) {
            if (!keeper.wants(i, f.frame, f.score)) return;
            const cv::Mat rgb = f.rgb();
            if (rgb.empty()) return;
            const auto boxes =
                report.labels[i] ? boxes_at(*report.labels[i], f.frame) : std::vector<DrawnBox>{};
            keeper.offer(i, f.frame, f.score, compose_thumbnail(rgb, f.map, f.map_rect, boxes));
          });
    } catch (const std::runtime_error& e) {
      throw InputError("cannot replay " + o.videos[i] + ": " + e.what());
    }
    if (ran.frames == 0) throw InputError("cannot replay " + o.videos[i] + ": it has no frames");
    if (report.labels[i]) {
      try {
        check_labels_fit(*report.labels[i], ran.frames, o.videos[i]);
      } catch (const std::invalid_argument& e) {
        throw InputError(e.what());
      }
    }
    VideoReplay replay{o.videos[i], read_results(results.string()), judged[i], ran.seconds};
    report.videos.push_back(std::move(replay));
    report.results_files.push_back(results_name);
  }

  // --- the report ---------------------------------------------------------------
  report.threshold =
      report.videos.front().frames.empty() ? 0.f : report.videos.front().frames.front().threshold;
  report.run = {{"tool", std::string("decodiff-replay ") + DECODIFF_VERSION},
                {"model", o.model},
                {"class", class_name},
                {"device", o.device},
                {"roi", o.roi.empty() ? "whole frame" : o.roi},
                {"created", utc_now()}};
  report.sweep = sweep(report.videos);
  report.pick_rule = rule;
  report.gate = Gate{o.min_part_recall, o.max_false_alarms};
  report.thumbnails = &keeper;
  if (rule) {
    report.picked = pick(report.sweep, *rule);
    if (!report.picked)
      throw InputError("no threshold meets --pick-threshold " + rule->text + " on these videos");
  }
  report.threshold_written = o.write_threshold;
  write_file(fs::path(staging.path()) / "report.json", report_json(report).dump(2) + "\n");
  write_file(fs::path(staging.path()) / "report.html", report_html(report));
  if (o.write_threshold)
    write_threshold(o.model, class_name, report.operating_threshold(), rule->text, o.videos.size());
  if (!o.annotated.empty()) {
    std::error_code ec;
    fs::rename(settings.annotated, o.annotated, ec);
    if (ec) {  // another file system: copy
      ec.clear();
      fs::copy_file(settings.annotated, o.annotated, fs::copy_options::overwrite_existing, ec);
    }
    if (ec)
      throw std::runtime_error("cannot move the annotated video to " + o.annotated + ": " + ec.message());
  }
  staging.commit();

  // --- the summary ----------------------------------------------------------------
  const Counts c = report.operating_counts();
  double seconds = 0;
  for (const VideoReplay& v : report.videos) seconds += v.seconds;
  std::printf("decodiff replay summary\n");
  std::printf("  frames:            %d inspected in %zu video(s)\n", c.inspected_frames,
              report.videos.size());
  std::printf("  anomalous frames:  %d\n", c.anomalous_frames);
  if (report.labelled()) {
    std::printf("  frame recall:      %s of the frames showing a defect\n",
                pct(c.detected_frames, c.positive_frames).c_str());
    std::printf("  false alarms:      %s of the frames showing none\n",
                pct(c.false_alarm_frames, c.negative_frames).c_str());
    std::printf("  defective parts:   %s detected\n", pct(c.detected_parts, c.defective_parts).c_str());
    std::printf("  normal parts:      %s raised a false alarm\n",
                pct(c.false_alarm_parts, c.normal_parts).c_str());
  }
  std::printf(
      "  threshold:         %.6g%s\n", report.operating_threshold(),
      report.picked
          ? (" (picked: " + rule->text + (o.write_threshold ? ", written to the model)" : ")")).c_str()
          : "");
  if (seconds > 0)
    std::printf("  throughput:        %.2f frames/s (%.1f s wall, decode + inspect%s)\n",
                c.inspected_frames / seconds, seconds, o.annotated.empty() ? "" : " + encode");
  std::printf("  report:            %s\n", (fs::path(o.out) / "report.html").c_str());
  if (report.gate.enabled()) {
    const GateResult g = check_gate(report.gate, c);
    if (!g.passed) {
      std::fprintf(stderr, "decodiff-replay: gate failed: %s\n", g.reason.c_str());
      return 3;
    }
    std::printf("  gate:              passed\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  CLI::App app{"decodiff-replay: replay recorded videos through decodiffinspect and write a QA report"};
  Options o;
  app.add_option("--model", o.model, "model file (.safetensors)")->required();
  app.add_option("--video", o.videos, "video file (repeat for several)")->required();
  app.add_option("--labels", o.labels,
                 "labels of each video, in order: decodiff-synth's JSON or a CSV (docs/replay.md)");
  app.add_option("--class", o.class_name, "model class, by name or id (default: class 0)");
  app.add_option("--roi", o.roi, "inspect only x,y,width,height of each frame");
  app.add_option("--device", o.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  app.add_option("--threshold", o.threshold,
                 "alarm threshold (default: the model's calibrated one for the class)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--interval", o.interval, "inspect every Nth frame (the element's interval)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--annotated", o.annotated, "also write the video with the element's heatmap overlay (MP4)");
  app.add_option("--out", o.out, "report folder (replaced whole at the end)")->required();
  app.add_option("--pick-threshold", o.pick, "max-recall-at-fa=N or min-fa-at-recall=R");
  app.add_flag("--write-threshold", o.write_threshold,
               "store the picked threshold in the model's calibration (per class)");
  app.add_option("--min-part-recall", o.min_part_recall, "gate: exit 3 below this part recall")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--max-false-alarms", o.max_false_alarms, "gate: exit 3 above this many false-alarm parts")
      ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decodiff-replay: error: %s\n", e.what());
    return 1;
  }
}
