// When frames are inspected, apart from GStreamer: the element's two modes.
//
// sync: every due frame is inspected before it leaves; due frames are
//   gathered into batches of `batch_size` (a partial batch on flush()), and
//   every frame leaves with the newest result at its turn.
// live: a due frame is handed to a worker thread when the worker is idle (a
//   copy of its pixels); the caller waits at most `wait` for its result, so a
//   slow engine never holds the stream back; frames leave at once with the
//   most recent result (possibly an earlier frame's: stale).
//
// Frames leave in the order they came (pop()). The engine is reached only
// through the callbacks, which is also how tests slow it down or break it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "image_view.h"
#include "inspection_plan.h"
#include "result.h"

namespace decodiff::gst {

// One frame offered to the scheduler. `pixels` must stay valid until the
// frame's decision has been popped.
struct FrameTicket {
  uint64_t number = 0;
  uint64_t pts = Result::kNoPts;
  bool due = true;  // to be inspected (else it carries the latest result)
  ImageView pixels;
  std::shared_ptr<const InspectionPlan> plan;  // what to inspect (the caller's; passed through)
};

// A frame on its way out, with the result it carries (null: nothing was
// inspected yet, in live mode; the result of another frame when stale).
struct Decision {
  uint64_t number = 0;
  std::shared_ptr<const Result> result;
};

// What the engine found on one frame: an inspection per inspected region.
using FrameInspections = std::vector<Inspection>;

struct SchedulerCallbacks {
  // One engine call for these frames (all their regions), their inspections
  // per frame. May throw: the scheduler then fails with the exception's
  // message (on_error).
  std::function<std::vector<FrameInspections>(const std::vector<FrameTicket>& frames)> inspect;
  // Turns a frame's inspections into its result (thresholds, regions, errors).
  std::function<std::shared_ptr<const Result>(FrameInspections&& inspections, const FrameTicket& frame)>
      decide;
  // Sends a result out (file, messages). False when the stream must stop
  // (the callee has reported why). In live mode the result is already the
  // latest one when this runs, so whoever hears of it sees it on the next frame.
  std::function<bool(const Result& result)> publish;
  // An inspection threw: report it (the stream stops).
  std::function<void(const std::string& message)> on_error;
};

enum class SchedulingMode { kSync, kLive };

class InspectionScheduler {
 public:
  // Starts the live worker in live mode. batch_size >= 1 (sync mode only).
  InspectionScheduler(SchedulingMode mode, unsigned batch_size, SchedulerCallbacks callbacks);
  ~InspectionScheduler();  // stops the worker (after its current inspection)
  InspectionScheduler(const InspectionScheduler&) = delete;
  InspectionScheduler& operator=(const InspectionScheduler&) = delete;

  SchedulingMode mode() const { return mode_; }
  // Whether submit() would read the pixels of a frame that is `due` (so the
  // caller can skip mapping or converting a frame nobody reads): sync, every
  // due frame; live, a due frame while the worker is idle.
  bool wants_pixels(bool due) const;

  // Offers a frame. sync: inspects once a full batch of due frames is held.
  // live: hands it to an idle worker and waits up to `wait` for its result.
  // False once the stream has failed (the frame is not taken).
  bool submit(const FrameTicket& frame, std::chrono::nanoseconds wait = std::chrono::nanoseconds(0));
  // sync: inspects a partial batch, so that every held frame can leave.
  // False once the stream has failed.
  bool flush();
  // The next frame whose result is decided, in arrival order.
  std::optional<Decision> pop();
  // Forgets every held frame (a flushing seek); the live worker finishes its
  // current inspection, which still becomes the latest result.
  void discard();

  bool failed() const;
  std::shared_ptr<const Result> latest() const;

 private:
  bool inspect_pending();
  void live_worker();
  void set_failed();

  const SchedulingMode mode_;
  const unsigned batch_size_;
  const SchedulerCallbacks callbacks_;

  // Touched by the calling (streaming) thread only.
  std::deque<FrameTicket> pending_;  // sync: waiting for their batch
  std::deque<Decision> decided_;     // waiting for pop()

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable cond_;
  std::shared_ptr<const Result> latest_;
  bool failed_ = false;
  // live mode
  struct Job {
    FrameTicket frame;
    std::vector<uint8_t> pixels;  // the frame's own copy: the buffer moves on at once
  };
  std::optional<Job> job_;
  bool busy_ = false;
  bool quit_ = false;
  std::thread worker_;
};

}  // namespace decodiff::gst
