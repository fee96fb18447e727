// The release gate: --min-part-recall R --max-false-alarms N.
#pragma once

#include <optional>
#include <string>

#include "judgement.h"

namespace decodiff::replay {

struct Gate {
  std::optional<double> min_part_recall;  // 0..1
  std::optional<int> max_false_alarms;    // normal parts that raised an alarm
  bool enabled() const { return min_part_recall || max_false_alarms; }
};

struct GateResult {
  bool passed = true;
  std::string reason;  // why it failed ("" when passed), one line
};

// A gate on a replay without defective parts (recall undefined) fails the recall condition.
GateResult check_gate(const Gate& gate, const Counts& counts);

}  // namespace decodiff::replay
