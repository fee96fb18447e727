#include "bench_stats.h"

#include <algorithm>
#include <cmath>

namespace decodiff::bench {

Stats Stats::of(std::vector<double> ms) {
  Stats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  s.median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  s.p95 = ms[std::min(n - 1, static_cast<size_t>(std::ceil(0.95 * n)) - 1)];
  s.min = ms.front();
  s.max = ms.back();
  return s;
}

nlohmann::json Stats::to_json() const {
  return {{"median_ms", median}, {"p95_ms", p95}, {"min_ms", min}, {"max_ms", max}};
}

}  // namespace decodiff::bench
