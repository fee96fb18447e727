#include "results.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace decodiff::replay {

std::vector<FrameResult> read_results(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the results file");
  std::vector<FrameResult> results;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    try {
      const auto j = nlohmann::json::parse(line);
      if (!j.contains("score") || !j.contains("frame"))
        throw std::runtime_error("no top-level 'frame' and 'score' (several regions per frame?)");
      FrameResult r;
      r.frame = j.at("frame").get<int>();
      r.failed = j.contains("error");
      r.score =
          j.at("score").is_null() ? std::numeric_limits<float>::quiet_NaN() : j.at("score").get<float>();
      r.anomalous = j.at("anomalous").get<bool>();
      r.threshold = j.at("threshold").get<float>();
      r.latency_ms = j.value("latency_ms", 0.0);
      if (std::isnan(r.score)) r.failed = true;
      results.push_back(r);
    } catch (const std::exception& e) {
      throw std::runtime_error(where + e.what());
    }
  }
  return results;
}

}  // namespace decodiff::replay
