// The per-frame results of one replayed video, read back from the JSON-lines
// file decodiffinspect writes (results-location; docs/element.md).
#pragma once

#include <string>
#include <vector>

namespace decodiff::replay {

struct FrameResult {
  int frame = 0;
  float score = 0;  // NaN for a failed inspection (its line has "score": null)
  bool anomalous = false;
  float threshold = 0;
  double latency_ms = 0;
  bool failed = false;  // the line has an "error"
};

// One result per line, in file order. Throws std::runtime_error naming the file
// and line for a line that is not such a result (e.g. several regions per frame).
std::vector<FrameResult> read_results(const std::string& path);

}  // namespace decodiff::replay
