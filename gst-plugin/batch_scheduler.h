// One engine, many streams: frames that several elements (and their regions)
// submit are inspected together, in batched engine calls, and each result is
// handed back to the stream and frame it belongs to. Plain C++ (no GStreamer):
// the engine is reached only through the `inspect` callback, which is how the
// tests put a fake engine, slow or broken, in its place.
//
// A batch starts when `batch_size` frames are waiting, when the oldest has
// waited `max_wait` (0: at once, with whatever is waiting), or when a stream
// that is ending or flushing asks for its frames (expedite). `workers` threads
// run batches side by side (one per core pays on a CPU, one on a GPU).
// A stream that leaves (cancel) takes its waiting frames away and waits only
// for the batch its frames are in: the other streams go on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frame_ticket.h"

namespace decodiff::gst {

struct BatchOptions {
  unsigned batch_size = 1;                // frames per engine call, at most
  std::chrono::milliseconds max_wait{0};  // how long the oldest frame may wait for a full batch
  unsigned workers = 1;                   // batches run side by side
};

// What became of one submitted frame.
struct BatchOutcome {
  FrameInspections inspections;  // one per region, in the plan's order; empty on error
  std::string error;             // the engine call threw on this frame (alone: see below)
  double latency_ms = 0;         // from submit() to the result: the wait for the batch and the call
};

// One frame of one stream, with where its outcome goes.
struct BatchJob {
  FrameTicket frame;  // its pixels stay valid until `done` has run or the stream has cancelled
  int steps = 0;      // reverse steps (the stream's setting; frames with other steps go in their own call)
  std::function<void(BatchOutcome&& outcome)> done;  // runs on a worker thread
};

// One engine call for the frames (all their regions), their inspections per
// frame in order. May throw: the batch is then tried frame by frame, so that
// only the frames the engine fails on get the error.
using BatchInspect = std::function<std::vector<FrameInspections>(const std::vector<const BatchJob*>& jobs)>;

class BatchScheduler {
 public:
  BatchScheduler(BatchOptions options, BatchInspect inspect);
  ~BatchScheduler();  // every stream has cancelled; the workers finish their batches and stop
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  const BatchOptions& options() const { return options_; }

  // A new stream: the id its frames are submitted under.
  uint64_t join();
  // Queues a frame of `stream`.
  void submit(uint64_t stream, BatchJob job);
  // The frames `stream` has waiting go into the next batch without waiting
  // for it to fill (the end of the stream, a flush, a drain).
  void expedite(uint64_t stream);
  // `stream` leaves: its waiting frames are dropped (their `done` never runs)
  // and this returns once none of its frames is in an engine call.
  void cancel(uint64_t stream);

  // Engine calls and frames inspected so far, frames waiting now (benchmarks, tests).
  uint64_t calls() const;
  uint64_t frames() const;
  size_t waiting() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiting {
    uint64_t stream;
    BatchJob job;
    Clock::time_point submitted;
    bool urgent;
  };
  void work();
  bool ready(Clock::time_point now) const;  // a batch may start now (mutex_ held)
  void run(std::vector<Waiting>& batch);

  const BatchOptions options_;
  const BatchInspect inspect_;
  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable changed_;
  std::deque<Waiting> waiting_;
  std::map<uint64_t, unsigned> running_;  // per stream: frames in an engine call
  uint64_t next_stream_ = 1;
  uint64_t calls_ = 0, frames_ = 0;
  bool quit_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace decodiff::gst
