// Several regions of one frame: one batched engine call for all of them (what
// decodiffinspect does with roi="...;...") against one call per region.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "engine.h"

namespace decodiff::bench {

struct RegionsCase {
  int regions = 4;  // non-overlapping tiles of the frame
  int frame_width = 640, frame_height = 480;
  int rounds = 10;  // each: one batched pass and one pass per region, alternating
  int warmup = 1;
};

// Median milliseconds per frame both ways, regions/s and the batched speed-up.
nlohmann::json run_regions(Engine& engine, const RegionsCase& c,
                           const std::function<void(const std::string&)>& log);

}  // namespace decodiff::bench
