#include "lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace decodiff::train {

double budget_fraction(double elapsed_s, double phase_start_s, double budget_s) {
  if (!(budget_s > 0) || phase_start_s >= budget_s) return 0.0;
  return std::clamp((elapsed_s - phase_start_s) / (budget_s - phase_start_s), 0.0, 1.0);
}

double budgeted_lr_factor(int64_t step, int64_t warmup_steps, int64_t total_steps, double time_fraction) {
  // lr_factor's formula with a real-valued step.
  const double s = std::max(static_cast<double>(step), std::clamp(time_fraction, 0.0, 1.0) * total_steps);
  const double warmup = static_cast<double>(warmup_steps);
  if (s < warmup) return std::min(1.0, (s + 1.0) / warmup);
  const double horizon = 1.5 * static_cast<double>(total_steps) - warmup;
  if (horizon <= 0) return 1.0;
  const double progress = (s - warmup) / horizon;
  return std::max(0.0, 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress)));
}

}  // namespace decodiff::train
