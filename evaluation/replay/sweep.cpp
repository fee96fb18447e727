#include "sweep.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace decodiff::replay {
namespace {

// A float strictly between lo < hi (half-way, rounded to float).
float between(float lo, float hi) {
  float t = static_cast<float>((static_cast<double>(lo) + hi) / 2);
  if (!(t > lo)) t = std::nextafter(lo, hi);
  return t;
}

}  // namespace

std::vector<SweepRow> sweep(const std::vector<VideoReplay>& videos) {
  std::vector<float> maxima;
  for (const PartVerdict& pv : part_verdicts(videos, std::nullopt))
    if (std::isfinite(pv.max_score)) maxima.push_back(pv.max_score);
  if (maxima.empty()) return {};
  std::sort(maxima.begin(), maxima.end());
  maxima.erase(std::unique(maxima.begin(), maxima.end()), maxima.end());
  std::vector<float> thresholds;
  thresholds.push_back(maxima.front() > 0 ? maxima.front() / 2 : std::nextafter(maxima.front(), -1.0f));
  for (size_t i = 0; i + 1 < maxima.size(); ++i) thresholds.push_back(between(maxima[i], maxima[i + 1]));
  thresholds.push_back(between(maxima.back(), std::max(maxima.back() * 2, maxima.back() + 1.0f)));
  std::vector<SweepRow> rows;
  for (float t : thresholds) rows.push_back(SweepRow{t, count(videos, t)});
  return rows;
}

PickRule parse_pick_rule(const std::string& text) {
  PickRule rule;
  rule.text = text;
  const auto eq = text.find('=');
  const std::string name = text.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : text.substr(eq + 1);
  size_t used = 0;
  try {
    rule.value = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const bool numeric = used > 0 && used == value.size();
  if (name == "max-recall-at-fa" && numeric && rule.value >= 0 && rule.value == std::floor(rule.value)) {
    rule.kind = PickRule::kMaxRecallAtFalseAlarms;
  } else if (name == "min-fa-at-recall" && numeric && rule.value >= 0 && rule.value <= 1) {
    rule.kind = PickRule::kMinFalseAlarmsAtRecall;
  } else {
    throw std::invalid_argument(
        "--pick-threshold '" + text +
        "': expected max-recall-at-fa=N (N false-alarm parts allowed, an integer >= 0) "
        "or min-fa-at-recall=R (R a part recall in 0..1)");
  }
  return rule;
}

std::optional<size_t> pick(const std::vector<SweepRow>& rows, const PickRule& rule) {
  std::optional<size_t> best;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Counts& c = rows[i].counts;
    const double recall = c.defective_parts > 0 ? c.part_recall() : 0.0;
    if (rule.kind == PickRule::kMaxRecallAtFalseAlarms) {
      if (c.false_alarm_parts > rule.value) continue;
      // rows go up in threshold: strictly better recall only, so ties keep the lowest threshold
      if (!best || recall > (rows[*best].counts.defective_parts > 0 ? rows[*best].counts.part_recall() : 0.0))
        best = i;
    } else {
      if (c.defective_parts > 0 ? recall < rule.value - 1e-12 : rule.value > 0) continue;
      // ties keep the highest threshold
      if (!best || c.false_alarm_parts <= rows[*best].counts.false_alarm_parts) best = i;
    }
  }
  return best;
}

}  // namespace decodiff::replay
