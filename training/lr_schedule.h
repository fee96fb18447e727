// The learning-rate schedule shaped to a time budget (decodiff-train --max-minutes).
//
// The epoch schedule (lr_factor in trainer.h) assumes the run reaches its last
// epoch. A run stopped by its time budget long before that would end near the
// peak rate; here the schedule advances with whichever is further along, the
// optimiser steps or the time spent, so a budgeted run ends where a full-length
// run ends.
#pragma once

#include <cstdint>

namespace decodiff::train {

// The fraction of a phase's time budget used, in [0, 1]: (elapsed - phase_start) /
// (budget - phase_start), all in seconds of the whole training (counting the time
// before a resume). 0 when there is no budget (budget_s <= 0) or none is left for
// the phase (phase_start_s >= budget_s).
double budget_fraction(double elapsed_s, double phase_start_s, double budget_s);

// lr_factor(step, warmup_steps, total_steps) evaluated at the effective step
// max(step, time_fraction * total_steps): the warm-up is the same fraction of the
// budget as of the epochs, and at time_fraction 1 the factor is the one of the
// last epoch's step. With time_fraction 0 it is lr_factor exactly.
double budgeted_lr_factor(int64_t step, int64_t warmup_steps, int64_t total_steps, double time_fraction);

}  // namespace decodiff::train
