#include "gate.h"

#include <cmath>
#include <cstdio>

namespace decodiff::replay {

GateResult check_gate(const Gate& gate, const Counts& c) {
  GateResult r;
  char line[256];
  if (gate.min_part_recall) {
    const double recall = c.part_recall();
    if (std::isnan(recall)) {
      r.passed = false;
      r.reason = "no defective part in the labels, so the part recall is undefined";
    } else if (recall < *gate.min_part_recall) {
      std::snprintf(line, sizeof line, "part recall %d/%d = %.4f is below the minimum %.4f", c.detected_parts,
                    c.defective_parts, recall, *gate.min_part_recall);
      r.passed = false;
      r.reason = line;
    }
  }
  if (gate.max_false_alarms && c.false_alarm_parts > *gate.max_false_alarms) {
    std::snprintf(line, sizeof line, "%d normal parts raised a false alarm, more than the maximum %d",
                  c.false_alarm_parts, *gate.max_false_alarms);
    r.reason += (r.reason.empty() ? "" : "; ") + std::string(line);
    r.passed = false;
  }
  return r;
}

}  // namespace decodiff::replay
