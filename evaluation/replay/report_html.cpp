#include <glib.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "charts.h"
#include "report.h"

namespace decodiff::replay {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// An <img> with the picture inline: base64 through GLib (already in our stack).
std::string img(const cv::Mat& picture, const std::string& alt) {
  const std::vector<unsigned char> png = encode_png(picture);
  gchar* b64 = g_base64_encode(png.data(), png.size());
  std::string tag = "<img alt=\"" + escape(alt) + "\" src=\"data:image/png;base64," + b64 + "\">";
  g_free(b64);
  return tag;
}

std::string ratio(int a, int b) {
  char s[64];
  if (b == 0) return std::to_string(a) + "/0 (n/a)";
  std::snprintf(s, sizeof s, "%d/%d (%.1f%%)", a, b, 100.0 * a / b);
  return s;
}

std::string num(double v, const char* f = "%.4f") {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return "failed";
  char s[64];
  std::snprintf(s, sizeof s, f, v);
  return s;
}

const char* kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}"
    "td.l,th.l{text-align:left}.bad{color:#b00;font-weight:bold}.good{color:#070;font-weight:bold}"
    "figure{display:inline-block;margin:6px;vertical-align:top}figcaption{font-size:13px}"
    ".scroll{max-height:420px;overflow-y:auto;display:inline-block}";

}  // namespace

std::string report_html(const ReplayReport& report) {
  const float threshold = report.operating_threshold();
  const Counts c = report.operating_counts();
  const std::vector<PartVerdict> verdicts = report.operating_verdicts();
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>decodiff replay report</title><style>"
    << kStyle << "</style></head><body>\n<h1>decodiff replay report</h1>\n<table>";
  for (const auto& [key, value] : report.run.items())
    h << "<tr><th class=l>" << escape(key) << "</th><td class=l>"
      << escape(value.is_string() ? value.get<std::string>() : value.dump()) << "</td></tr>";
  h << "<tr><th class=l>threshold</th><td class=l>" << num(threshold)
    << (report.picked ? " (picked by " + escape(report.pick_rule->text) + "; the replay ran at " +
                            num(report.threshold) + ")"
                      : " (applied by the element)")
    << (report.threshold_written ? "; written to the model's calibration" : "") << "</td></tr></table>\n";

  if (report.gate.enabled()) {
    const GateResult g = check_gate(report.gate, c);
    h << "<p class=" << (g.passed ? "good>Gate passed" : "bad>Gate FAILED: " + escape(g.reason)) << "</p>\n";
  }

  h << "<h2>Summary</h2><table><tr><th class=l>video</th><th>frames</th><th>anomalous frames</th>"
    << "<th>frame recall</th><th>frame false alarms</th><th>defective parts detected</th>"
    << "<th>normal parts with a false alarm</th><th>frames/s</th></tr>";
  for (size_t v = 0; v <= report.videos.size(); ++v) {
    const bool total = v == report.videos.size();
    if (total && report.videos.size() == 1) break;
    const std::vector<VideoReplay> one = total ? report.videos : std::vector<VideoReplay>{report.videos[v]};
    const Counts k = report.picked ? count(one, threshold) : count(one, std::nullopt);
    double frames = 0, seconds = 0;
    for (const VideoReplay& r : one) frames += r.frames.size(), seconds += r.seconds;
    h << "<tr><td class=l>" << (total ? "all" : escape(report.videos[v].video)) << "</td><td>"
      << k.inspected_frames << "</td><td>" << k.anomalous_frames << "</td>";
    if (total ? report.labelled() : report.videos[v].labels.has_value())
      h << "<td>" << ratio(k.detected_frames, k.positive_frames) << "</td><td>"
        << ratio(k.false_alarm_frames, k.negative_frames) << "</td><td>"
        << ratio(k.detected_parts, k.defective_parts) << "</td><td>"
        << ratio(k.false_alarm_parts, k.normal_parts) << "</td>";
    else
      h << "<td colspan=4 class=l>no labels</td>";
    h << "<td>" << num(seconds > 0 ? frames / seconds : NAN, "%.2f") << "</td></tr>";
  }
  h << "</table>\n";

  h << "<h2>Scores over time</h2><p>Red shading: frames in which a labelled defect shows; red dots: frames "
       "that "
       "alarm at the threshold (dashed).</p>\n";
  for (size_t v = 0; v < report.videos.size(); ++v)
    h << "<div>"
      << img(draw_timeline(report.videos[v], threshold,
                           "video " + std::to_string(v + 1) + ": " + report.videos[v].video),
             "score timeline of " + report.videos[v].video)
      << "</div>\n";

  if (report.labelled()) {
    h << "<h2>Parts</h2>"
      << img(draw_part_strip(report.videos, verdicts, threshold), "highest score per part")
      << "\n<div class=scroll><table><tr><th>video</th><th class=l>part</th><th class=l>labelled</th>"
      << "<th>judged frames</th><th>highest score</th><th>at frame</th><th class=l>verdict</th></tr>";
    for (const PartVerdict& pv : verdicts) {
      const JudgedPart& p = report.videos[pv.video].labels->parts[pv.part];
      const bool wrong = p.defective != pv.alarmed;
      h << "<tr><td>" << pv.video + 1 << "</td><td class=l>" << escape(p.id) << "</td><td class=l>"
        << (p.defective ? "defective" + (p.defect_kind.empty() ? "" : " (" + escape(p.defect_kind) + ")")
                        : "normal")
        << "</td><td>" << p.frames.size() << "</td><td>" << num(pv.max_score) << "</td><td>" << pv.max_frame
        << "</td><td class=\"l " << (wrong ? "bad" : "good") << "\">" << verdict_name(p.defective, pv.alarmed)
        << "</td></tr>";
    }
    h << "</table></div>\n";

    h << "<h2>Threshold sweep</h2><p>What the replay gives at each threshold that changes a part's verdict "
         "(every threshold lies half-way between two parts' highest scores).</p>"
      << img(draw_operating_curve(report.sweep, report.picked ? static_cast<int>(*report.picked) : -1),
             "operating curve")
      << "\n<div class=scroll><table><tr><th>threshold</th><th>part recall</th><th>false-alarm parts</th>"
      << "<th>part false-alarm rate</th><th>frame recall</th><th>frame false-alarm rate</th></tr>";
    for (size_t i = 0; i < report.sweep.size(); ++i) {
      const SweepRow& r = report.sweep[i];
      h << "<tr" << (report.picked && *report.picked == i ? " style=\"background:#ffe9a8\"" : "") << "><td>"
        << num(r.threshold, "%.6f") << "</td><td>" << ratio(r.counts.detected_parts, r.counts.defective_parts)
        << "</td><td>" << r.counts.false_alarm_parts << "</td><td>"
        << num(r.counts.part_false_alarm_rate(), "%.3f") << "</td><td>"
        << ratio(r.counts.detected_frames, r.counts.positive_frames) << "</td><td>"
        << ratio(r.counts.false_alarm_frames, r.counts.negative_frames) << "</td></tr>";
    }
    h << "</table></div>\n";
  }

  std::vector<double> latencies;
  for (const VideoReplay& v : report.videos)
    for (const FrameResult& r : v.frames) latencies.push_back(r.latency_ms);
  h << "<h2>Latency</h2>" << img(draw_latency_histogram(latencies), "latency histogram") << "\n";

  if (report.thumbnails) {
    const auto figure = [&](const Thumbnail& t, const std::string& caption) {
      h << "<figure>" << img(t.picture, caption) << "<figcaption>" << escape(caption)
        << "</figcaption></figure>\n";
    };
    if (report.labelled()) {
      for (const bool defective : {true, false}) {
        h << "<h2>" << (defective ? "Missed defects" : "False alarms") << "</h2>\n";
        int shown = 0;
        for (const PartVerdict& pv : verdicts) {
          const JudgedPart& p = report.videos[pv.video].labels->parts[pv.part];
          if (p.defective != defective || pv.alarmed != !defective) continue;
          ++shown;
          const Thumbnail* t = report.thumbnails->of_part(pv.video, pv.part);
          const std::string caption =
              "video " + std::to_string(pv.video + 1) + ", part " + p.id +
              (t ? ", frame " + std::to_string(t->frame) + ", score " + num(t->score) : "");
          if (t)
            figure(*t, caption);
          else
            h << "<p>" << escape(caption) << ": no frame of it was inspected</p>\n";
        }
        if (!shown) h << "<p>None.</p>\n";
      }
    }
    for (size_t v = 0; v < report.videos.size(); ++v) {
      if (report.videos[v].labels) continue;
      h << "<h2>Highest-scoring frames of video " << v + 1 << " (no labels)</h2>\n";
      for (const Thumbnail& t : report.thumbnails->top_frames(v))
        figure(t, "frame " + std::to_string(t.frame) + ", score " + num(t.score) +
                      (t.score >= threshold ? " (alarm)" : ""));
    }
  }
  h << "</body></html>\n";
  return h.str();
}

}  // namespace decodiff::replay
