// decodiff-bench-element --streams: N cameras through N private engines
// against the same N through one shared engine (model-instance-id, batches
// across the streams), in one process, alternating rounds.
#pragma once

#include <string>
#include <vector>

namespace decodiff::bench {

struct StreamsBenchOptions {
  std::string model, device = "cpu", klass = "0";
  int width = 640, height = 480;
  int frames = 12;  // per stream and round
  int rounds = 3;   // of each set-up, alternating
  std::vector<int> streams{1, 2, 4};
  int batch = 4;           // the shared engine's batch-size
  int max_batch_wait = 0;  // its max-batch-wait, ms
  std::string json_out;
};

// Prints, per stream count and set-up, the aggregate frames/s and the
// per-frame latency (the JSONL latency_ms: the wait for the batch included)
// p50 / p95, medians over the rounds. 0 on success.
int bench_streams(const StreamsBenchOptions& options);

}  // namespace decodiff::bench
