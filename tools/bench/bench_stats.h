// Robust statistics of repeated timings, shared by decodiff-bench and
// decodiff-bench-element.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

namespace decodiff::bench {

struct Stats {
  double median = 0, p95 = 0, min = 0, max = 0;
  static Stats of(std::vector<double> ms);  // all zero for an empty list
  nlohmann::json to_json() const;
};

}  // namespace decodiff::bench
