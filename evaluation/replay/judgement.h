// Which frames show a defect and which parts a replay detected or raised a
// false alarm on (docs/replay.md, "How frames and parts are judged").
//  - A frame is *positive* when a defective part's defect shows in it: synth
//    labels, its defect box lies at least half inside the model's view (the ROI
//    or the frame, less the model's centre-crop margin); CSV labels, any frame
//    of a defective part's row.
//  - A defective part is judged on its positive frames: *detected* when any of
//    them alarms. A normal part is judged on the frames in which it is fully in
//    view (CSV: its row's frames) and no defect shows: a *false alarm* when any
//    of them alarms.
//  - A frame alarms at threshold t when its score >= t (as float, as the
//    element compares), or when its inspection failed.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "labels.h"
#include "results.h"

namespace decodiff::replay {

// The part of the frame the model sees, in frame pixels.
struct View {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};
// `roi` (x, y, w, h) or the whole frame, less the margin of the model's
// centre crop (resize -> crop).
View model_view(int frame_width, int frame_height, const std::optional<Box>& roi, int resize, int crop);

struct JudgedPart {
  std::string id;
  bool defective = false;
  std::string defect_kind;
  std::vector<int> frames;  // the frames it is judged on (increasing)
};

struct JudgedLabels {
  std::set<int> positive_frames;
  std::vector<JudgedPart> parts;
};

JudgedLabels judge_labels(const VideoLabels& labels, const View& view);

struct VideoReplay {
  std::string video;                   // the file
  std::vector<FrameResult> frames;     // as the element wrote them
  std::optional<JudgedLabels> labels;  // none: unlabelled
  double seconds = 0;                  // wall time of the replay
};

bool alarms(const FrameResult& r, float threshold);

struct Counts {
  int inspected_frames = 0, anomalous_frames = 0;
  int positive_frames = 0, detected_frames = 0;     // labelled frames showing a defect / of them alarmed
  int negative_frames = 0, false_alarm_frames = 0;  // labelled frames showing none / of them alarmed
  int defective_parts = 0, detected_parts = 0;
  int normal_parts = 0, false_alarm_parts = 0;
  // NaN when the denominator is 0
  double frame_recall() const;
  double frame_false_alarm_rate() const;
  double part_recall() const;
  double part_false_alarm_rate() const;
};

struct PartVerdict {
  size_t video = 0, part = 0;  // indices into the replays and their labels' parts
  float max_score = 0;         // over its judged frames; +inf when one failed; NaN when none was inspected
  int max_frame = -1;
  bool alarmed = false;
};

// threshold: none = the element's own decisions (its "anomalous"), else score >= threshold.
Counts count(const std::vector<VideoReplay>& videos, std::optional<float> threshold);
std::vector<PartVerdict> part_verdicts(const std::vector<VideoReplay>& videos,
                                       std::optional<float> threshold);

}  // namespace decodiff::replay
