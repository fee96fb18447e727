// A one-line progress bar on stderr: frames done (of the total when known),
// frames/s and the time left; redrawn at most 4 times a second.
#pragma once

#include <chrono>
#include <string>

namespace decodiff::replay {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  void set_total(int total) { total_ = total; }
  void update(int done);  // redraws when due
  void finish(int done);  // the final line, then a newline

 private:
  void draw(int done);
  using Clock = std::chrono::steady_clock;
  std::string label_;
  int total_ = 0;
  Clock::time_point start_ = Clock::now(), last_draw_{};
};

}  // namespace decodiff::replay
