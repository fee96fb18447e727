#include "latency_tracker.h"

#include <algorithm>

namespace decodiff::gst {
namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace

bool LatencyTracker::record(double ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  samples_.push_back(ms);
  if (samples_.size() > kWindow) samples_.erase(samples_.begin());
  const double now = median_of(samples_);
  const double before = announced_ms_;
  if (before >= 0 && now <= before * 1.25 && now >= before * 0.75) return false;
  announced_ms_ = now;
  return true;
}

double LatencyTracker::median_ms() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return median_of(samples_);
}

}  // namespace decodiff::gst
