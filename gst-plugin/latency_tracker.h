// The processing latency the element reports: the median of its recent
// inspections, and when that median has moved enough to be announced again
// (a latency message makes the sinks re-query; announcing every frame would
// make them re-query all the time).
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

namespace decodiff::gst {

class LatencyTracker {
 public:
  static constexpr size_t kWindow = 101;  // inspections the median is taken over

  // Records one inspection (any thread). True when the median is to be
  // announced: the first time, and whenever it moved by more than a quarter
  // from the value announced last.
  bool record(double ms);
  double median_ms() const;  // 0 before the first inspection

 private:
  mutable std::mutex mutex_;
  std::vector<double> samples_;  // the last kWindow, oldest first
  double announced_ms_ = -1;     // < 0: nothing announced yet
};

}  // namespace decodiff::gst
