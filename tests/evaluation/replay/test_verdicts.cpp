// Frame and part verdicts, the sweep, the pick rules and the gate on hand-made replays whose
// numbers are counted here by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "gate.h"
#include "judgement.h"
#include "sweep.h"

using namespace decodiff::replay;

namespace {

// 12 frames; part "d" (defective) shows its defect in frames 2-4, part "n" (normal) is judged on
// frames 6-9, frames 0, 1, 5, 10, 11 show no part.
VideoReplay make_replay(const std::vector<float>& scores, float threshold) {
  const VideoLabels labels = parse_csv_labels("d,2,4,1\nn,6,9,0\n", "t.csv");
  VideoReplay v;
  v.video = "t.mp4";
  v.labels = judge_labels(labels, View{});
  for (size_t f = 0; f < scores.size(); ++f)
    v.frames.push_back(
        FrameResult{static_cast<int>(f), scores[f], scores[f] >= threshold, threshold, 10.0, false});
  return v;
}

const std::vector<float> kScores = {0.1f, 0.6f, 0.3f, 0.5f, 0.2f, 0.9f, 0.1f, 0.4f, 0.2f, 0.1f, 0.7f, 0.1f};

}  // namespace

TEST(ReplayVerdicts, CountsAtTheElementsDecision) {
  const std::vector<VideoReplay> videos{make_replay(kScores, 0.45f)};
  const Counts c = count(videos, std::nullopt);
  EXPECT_EQ(c.inspected_frames, 12);
  EXPECT_EQ(c.anomalous_frames, 4);  // 0.6, 0.5, 0.9, 0.7
  EXPECT_EQ(c.positive_frames, 3);
  EXPECT_EQ(c.detected_frames, 1);  // frame 3
  EXPECT_EQ(c.negative_frames, 9);
  EXPECT_EQ(c.false_alarm_frames, 3);  // frames 1, 5, 10 (no part in them)
  EXPECT_EQ(c.defective_parts, 1);
  EXPECT_EQ(c.detected_parts, 1);
  EXPECT_EQ(c.normal_parts, 1);
  EXPECT_EQ(c.false_alarm_parts, 0);  // its frames peak at 0.4
  EXPECT_DOUBLE_EQ(c.frame_recall(), 1.0 / 3);
  const auto pv = part_verdicts(videos, std::nullopt);
  ASSERT_EQ(pv.size(), 2u);
  EXPECT_FLOAT_EQ(pv[0].max_score, 0.5f);
  EXPECT_EQ(pv[0].max_frame, 3);
  EXPECT_FLOAT_EQ(pv[1].max_score, 0.4f);
  EXPECT_EQ(pv[1].max_frame, 7);
  // at 0.35 the normal part alarms too; at 0.55 the defect is missed
  EXPECT_EQ(count(videos, 0.35f).false_alarm_parts, 1);
  EXPECT_EQ(count(videos, 0.55f).detected_parts, 0);
}

TEST(ReplayVerdicts, FailedInspectionAlwaysAlarms) {
  VideoReplay v = make_replay(kScores, 0.45f);
  v.frames[8].score = std::nanf("");
  v.frames[8].failed = true;
  v.frames[8].anomalous = true;
  const std::vector<VideoReplay> videos{v};
  EXPECT_EQ(count(videos, 0.99f).false_alarm_parts, 1);
  EXPECT_TRUE(std::isinf(part_verdicts(videos, std::nullopt)[1].max_score));
}

TEST(ReplayVerdicts, SynthLabelsJudgeOnlyDefectsInTheModelsView) {
  // A 100x100 frame; the model (resize 100, crop 80) sees 10..90. Frame 1's defect box lies
  // mostly outside (x 0..8), frame 2's inside; the normal part is in full view in frames 1-3 only.
  const VideoLabels l = parse_synth_labels(R"({"frame_count": 5, "width": 100, "height": 100, "parts": [
      {"id": 1, "defective": true, "frames": [{"frame": 1, "defect_box": [0, 40, 8, 8]},
                                              {"frame": 2, "defect_box": [40, 40, 8, 8]}]},
      {"id": 2, "defective": false, "full_view": [1, 3],
       "frames": [{"frame": 0}, {"frame": 1}, {"frame": 2}, {"frame": 3}, {"frame": 4}]}]})",
                                           "v.json");
  const JudgedLabels j = judge_labels(l, model_view(100, 100, std::nullopt, 100, 80));
  EXPECT_EQ(j.positive_frames, (std::set<int>{2}));
  EXPECT_EQ(j.parts[0].frames, (std::vector<int>{2}));
  EXPECT_EQ(j.parts[1].frames, (std::vector<int>{1, 3}));  // frame 2 shows a defect
  const View v = model_view(640, 480, Box{100, 50, 200, 100}, 72, 64);
  EXPECT_NEAR(v.x0, 100 + 200.0 / 18, 1e-9);
  EXPECT_NEAR(v.y1, 150 - 100.0 / 18, 1e-9);
}

TEST(ReplayVerdicts, SweepRowsEqualACountAtTheirThreshold) {
  // two videos, so that maxima come from several parts
  const std::vector<VideoReplay> videos{
      make_replay(kScores, 0.45f), make_replay({0, 0, .25f, .3f, .2f, 0, .35f, .1f, .1f, .1f, 0, 0}, 0.45f)};
  const auto rows = sweep(videos);
  // part maxima 0.5, 0.4 (video 1), 0.3, 0.35 (video 2): 4 distinct -> 5 rows
  ASSERT_EQ(rows.size(), 5u);
  const float maxima[] = {0.3f, 0.35f, 0.4f, 0.5f};
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) {
      EXPECT_GT(rows[i].threshold, maxima[i - 1]);
    }
    if (i < 4) {
      EXPECT_LT(rows[i].threshold, maxima[i]);
    }
    const Counts c = count(videos, rows[i].threshold);
    EXPECT_EQ(rows[i].counts.detected_parts, c.detected_parts);
    EXPECT_EQ(rows[i].counts.false_alarm_parts, c.false_alarm_parts);
    EXPECT_EQ(rows[i].counts.detected_frames, c.detected_frames);
    EXPECT_EQ(rows[i].counts.false_alarm_frames, c.false_alarm_frames);
  }
  EXPECT_EQ(rows.front().counts.detected_parts, 2);
  EXPECT_EQ(rows.front().counts.false_alarm_parts, 2);
  EXPECT_EQ(rows.back().counts.detected_parts, 0);
  EXPECT_EQ(rows.back().counts.false_alarm_parts, 0);
  // thresholds 0.325 (d2 caught, n2 alarms), 0.375 (d1 only... ) etc.
  EXPECT_EQ(rows[1].counts.detected_parts, 1);     // > 0.3: video 2's defect (0.3) missed
  EXPECT_EQ(rows[1].counts.false_alarm_parts, 2);  // < 0.35 and < 0.4: both normal parts alarm

  // max recall with no false alarm: above 0.4, below 0.5: row 3 (recall 1/2)
  const auto a = pick(rows, parse_pick_rule("max-recall-at-fa=0"));
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 3u);
  EXPECT_EQ(rows[*a].counts.false_alarm_parts, 0);
  EXPECT_EQ(rows[*a].counts.detected_parts, 1);
  // all defects: only row 0 (both normal parts alarm)
  const auto b = pick(rows, parse_pick_rule("min-fa-at-recall=1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, 0u);
  // one false alarm allowed: still row 0 only catches both; recall 1/2 with 1 false alarm at row 2
  EXPECT_EQ(*pick(rows, parse_pick_rule("max-recall-at-fa=2")), 0u);
  EXPECT_THROW(parse_pick_rule("max-recall"), std::invalid_argument);
  EXPECT_THROW(parse_pick_rule("max-recall-at-fa=0.5"), std::invalid_argument);
  EXPECT_THROW(parse_pick_rule("min-fa-at-recall=2"), std::invalid_argument);
}

TEST(ReplayVerdicts, Gate) {
  Counts c;
  c.defective_parts = 4;
  c.detected_parts = 3;
  c.normal_parts = 5;
  c.false_alarm_parts = 1;
  EXPECT_TRUE(check_gate(Gate{0.75, 1}, c).passed);
  const GateResult r = check_gate(Gate{0.8, 0}, c);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("part recall 3/4"), std::string::npos);
  EXPECT_NE(r.reason.find("1 normal parts"), std::string::npos);
  EXPECT_FALSE(check_gate(Gate{0.5, std::nullopt}, Counts{}).passed);  // no defective part: undefined recall
  EXPECT_TRUE(check_gate(Gate{std::nullopt, 0}, Counts{}).passed);
}
