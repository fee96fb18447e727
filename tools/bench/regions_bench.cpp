#include "regions_bench.h"

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "bench_stats.h"

namespace decodiff::bench {
namespace {

using Clock = std::chrono::steady_clock;

// `n` equal tiles on a grid of ceil(sqrt(n)) columns, inside the frame.
std::vector<Rect> tiles(int n, int width, int height) {
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int rows = (n + cols - 1) / cols;
  const int w = width / cols, h = height / rows;
  std::vector<Rect> out;
  for (int i = 0; i < n; ++i) out.push_back(Rect{(i % cols) * w, (i / cols) * h, w, h});
  return out;
}

double elapsed_ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

nlohmann::json run_regions(Engine& engine, const RegionsCase& c,
                           const std::function<void(const std::string&)>& log) {
  if (c.regions < 1 || c.regions > 64)
    throw std::invalid_argument("--regions takes 1 to 64 regions per frame");
  std::vector<uint8_t> pixels(static_cast<size_t>(c.frame_width) * c.frame_height * 3);
  uint32_t state = 2024;
  for (uint8_t& p : pixels) {
    state = state * 1664525u + 1013904223u;
    p = static_cast<uint8_t>(state >> 24);
  }
  const ImageView frame = color_view(static_cast<const uint8_t*>(pixels.data()), c.frame_width,
                                     c.frame_height, int64_t{c.frame_width} * 3);
  const int classes = static_cast<int>(engine.config().classes.size());
  std::vector<InspectRequest> requests;
  int k = 0;
  for (const Rect& r : tiles(c.regions, c.frame_width, c.frame_height))
    requests.push_back(InspectRequest{frame, k++ % classes, r});

  std::vector<double> batched, separate;
  for (int round = 0; round < c.warmup + c.rounds; ++round) {
    log("regions " + std::to_string(c.regions) + ": round " + std::to_string(round + 1) + "/" +
        std::to_string(c.warmup + c.rounds));
    auto t0 = Clock::now();
    engine.inspect(requests);
    const double one_call = elapsed_ms(t0);
    t0 = Clock::now();
    for (const InspectRequest& r : requests) engine.inspect({r});
    const double per_region = elapsed_ms(t0);
    if (round < c.warmup) continue;
    batched.push_back(one_call);
    separate.push_back(per_region);
  }
  const Stats b = Stats::of(batched), s = Stats::of(separate);
  return {{"regions", c.regions},
          {"frame", std::to_string(c.frame_width) + "x" + std::to_string(c.frame_height)},
          {"batched_ms_per_frame", b.to_json()},
          {"per_region_ms_per_frame", s.to_json()},
          {"batched_regions_per_s", c.regions * 1000.0 / b.median},
          {"per_region_regions_per_s", c.regions * 1000.0 / s.median},
          {"speedup", s.median / b.median}};
}

}  // namespace decodiff::bench
