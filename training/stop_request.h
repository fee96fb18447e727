// How a training run is asked to stop early: it writes a checkpoint and
// returns (decodiff-train then says how to --resume). Shared by the model and
// the codec trainers; one request stands until the run that saw it ends.
#pragma once

namespace decodiff::train {

// Asks the running training to checkpoint and return (thread- and signal-safe).
void request_stop();
bool stop_requested();
// SIGINT / SIGTERM call request_stop(); a second signal exits at once (130).
void install_stop_signal_handlers();

// Held by a training run: when the run ends, a stop request (and the signal
// count) is cleared, so that the next run in the process starts afresh.
class StopRequestScope {
 public:
  StopRequestScope() = default;
  ~StopRequestScope();
  StopRequestScope(const StopRequestScope&) = delete;
  StopRequestScope& operator=(const StopRequestScope&) = delete;
};

}  // namespace decodiff::train
