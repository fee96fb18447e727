#include "judgement.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace decodiff::replay {
namespace {

bool mostly_inside(const Box& b, const View& v) {
  const double ix = std::max(0.0, std::min<double>(b.x + b.w, v.x1) - std::max<double>(b.x, v.x0));
  const double iy = std::max(0.0, std::min<double>(b.y + b.h, v.y1) - std::max<double>(b.y, v.y0));
  const double area = static_cast<double>(b.w) * b.h;
  return area > 0 && ix * iy >= 0.5 * area;
}

bool decided(const FrameResult& r, std::optional<float> threshold) {
  return threshold ? alarms(r, *threshold) : r.anomalous;
}

double ratio(int a, int b) { return b > 0 ? static_cast<double>(a) / b : std::nan(""); }

}  // namespace

View model_view(int frame_width, int frame_height, const std::optional<Box>& roi, int resize, int crop) {
  const Box r = roi ? *roi : Box{0, 0, frame_width, frame_height};
  const double k = resize > 0 && crop > 0 && crop < resize ? (resize - crop) / (2.0 * resize) : 0.0;
  const double mx = r.w * k, my = r.h * k;
  return View{r.x + mx, r.y + my, r.x + r.w - mx, r.y + r.h - my};
}

JudgedLabels judge_labels(const VideoLabels& labels, const View& view) {
  JudgedLabels out;
  const bool per_frame_boxes = labels.format == LabelsFormat::kSynth;
  for (const LabelledPart& part : labels.parts) {
    if (!part.defective) continue;
    for (const LabelledFrame& f : part.frames)
      if (!per_frame_boxes || (f.defect_box && mostly_inside(*f.defect_box, view)))
        out.positive_frames.insert(f.frame);
  }
  for (const LabelledPart& part : labels.parts) {
    JudgedPart j{part.id, part.defective, part.defect_kind, {}};
    for (const LabelledFrame& f : part.frames) {
      const bool shows_defect = !per_frame_boxes || (f.defect_box && mostly_inside(*f.defect_box, view));
      if (part.defective ? shows_defect : (f.full_view && !out.positive_frames.count(f.frame)))
        j.frames.push_back(f.frame);
    }
    out.parts.push_back(std::move(j));
  }
  return out;
}

bool alarms(const FrameResult& r, float threshold) { return r.failed || r.score >= threshold; }

double Counts::frame_recall() const { return ratio(detected_frames, positive_frames); }
double Counts::frame_false_alarm_rate() const { return ratio(false_alarm_frames, negative_frames); }
double Counts::part_recall() const { return ratio(detected_parts, defective_parts); }
double Counts::part_false_alarm_rate() const { return ratio(false_alarm_parts, normal_parts); }

std::vector<PartVerdict> part_verdicts(const std::vector<VideoReplay>& videos,
                                       std::optional<float> threshold) {
  std::vector<PartVerdict> verdicts;
  for (size_t v = 0; v < videos.size(); ++v) {
    if (!videos[v].labels) continue;
    std::map<int, const FrameResult*> by_frame;
    for (const FrameResult& r : videos[v].frames) by_frame[r.frame] = &r;
    const auto& parts = videos[v].labels->parts;
    for (size_t p = 0; p < parts.size(); ++p) {
      PartVerdict pv{v, p, std::numeric_limits<float>::quiet_NaN(), -1, false};
      for (int f : parts[p].frames) {
        const auto it = by_frame.find(f);
        if (it == by_frame.end()) continue;
        const FrameResult& r = *it->second;
        const float s = r.failed ? std::numeric_limits<float>::infinity() : r.score;
        if (pv.max_frame < 0 || s > pv.max_score) {
          pv.max_score = s;
          pv.max_frame = f;
        }
        pv.alarmed = pv.alarmed || decided(r, threshold);
      }
      verdicts.push_back(pv);
    }
  }
  return verdicts;
}

Counts count(const std::vector<VideoReplay>& videos, std::optional<float> threshold) {
  Counts c;
  for (const VideoReplay& video : videos) {
    for (const FrameResult& r : video.frames) {
      const bool alarm = decided(r, threshold);
      ++c.inspected_frames;
      c.anomalous_frames += alarm;
      if (!video.labels) continue;
      if (video.labels->positive_frames.count(r.frame)) {
        ++c.positive_frames;
        c.detected_frames += alarm;
      } else {
        ++c.negative_frames;
        c.false_alarm_frames += alarm;
      }
    }
  }
  for (const PartVerdict& pv : part_verdicts(videos, threshold)) {
    if (videos[pv.video].labels->parts[pv.part].defective) {
      ++c.defective_parts;
      c.detected_parts += pv.alarmed;
    } else {
      ++c.normal_parts;
      c.false_alarm_parts += pv.alarmed;
    }
  }
  return c;
}

}  // namespace decodiff::replay
