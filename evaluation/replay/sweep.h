// The threshold sweep: for every threshold that changes a part's verdict, what
// the replay would have given (docs/replay.md, "Threshold sweep"), and the
// rules that pick one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "judgement.h"

namespace decodiff::replay {

struct SweepRow {
  float threshold = 0;
  Counts counts;
};

// One row per gap between consecutive distinct finite part maximum scores
// (the float half-way between them), one below the lowest and one above the
// highest, in increasing threshold. Every row's threshold lies strictly
// between two part maxima, so rounding of the thresholds cannot change a part's
// verdict. Empty when no part was judged.
std::vector<SweepRow> sweep(const std::vector<VideoReplay>& videos);

// "max-recall-at-fa=N": the highest part recall with at most N normal parts
// raising an alarm (ties: the lowest threshold, the most frame recall);
// "min-fa-at-recall=R": the fewest false-alarm parts with part recall >= R
// (ties: the highest threshold). Throws std::invalid_argument for another text.
struct PickRule {
  enum Kind { kMaxRecallAtFalseAlarms, kMinFalseAlarmsAtRecall } kind = kMaxRecallAtFalseAlarms;
  double value = 0;
  std::string text;
};
PickRule parse_pick_rule(const std::string& text);

// The index of the row the rule picks; none when no row meets it.
std::optional<size_t> pick(const std::vector<SweepRow>& rows, const PickRule& rule);

}  // namespace decodiff::replay
