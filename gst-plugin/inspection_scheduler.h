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
// With a shared engine (several elements, one model-instance-id) the frames
// go through a BatchScheduler instead, batched with the other streams' frames:
// sync: up to `batch_size` due frames are in flight; submit() waits while that
//   many have no result yet, so a frame leaves as soon as its result is back
//   (pop()), still every frame in order; flush() waits for all of them.
// live: the idle stream's copy goes to the shared engine; its result becomes
//   this stream's latest when it arrives (on a worker of the BatchScheduler).
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

#include "batch_scheduler.h"
#include "frame_ticket.h"
#include "result.h"

namespace decodiff::gst {

// A frame on its way out, with the result it carries (null: nothing was
// inspected yet, in live mode; the result of another frame when stale).
struct Decision {
  uint64_t number = 0;
  std::shared_ptr<const Result> result;
};

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
  // Shared engine only (optional): a frame's inspections as they come back
  // from a batch, before they are decided (test hooks, latency accounting).
  std::function<void(FrameInspections& inspections, const FrameTicket& frame)> received;
};

// An engine shared with other streams: the batches and this stream's steps.
struct SharedEngine {
  std::shared_ptr<BatchScheduler> batches;
  int steps = 0;
};

enum class SchedulingMode { kSync, kLive };

class InspectionScheduler {
 public:
  // Starts the live worker in live mode. batch_size >= 1 (sync mode only).
  // With `shared.batches` set, frames go through that shared engine (see above).
  InspectionScheduler(SchedulingMode mode, unsigned batch_size, SchedulerCallbacks callbacks,
                      SharedEngine shared = {});
  ~InspectionScheduler();  // stops the worker (after its current inspection); leaves the shared engine
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
  bool shared() const { return shared_.batches != nullptr; }
  // Forgets every held frame (a flushing seek); the live worker finishes its
  // current inspection, which still becomes the latest result.
  void discard();

  bool failed() const;
  std::shared_ptr<const Result> latest() const;

 private:
  bool inspect_pending();
  void live_worker();
  void set_failed();
  // shared engine
  struct Slot;  // one due frame's outcome, filled by a batch worker
  bool submit_shared_sync(const FrameTicket& frame);
  bool submit_shared_live(const FrameTicket& frame, std::chrono::nanoseconds wait);
  bool decide_returned(bool wait_for_all);  // sync: decides the frames whose results are back, in order
  void finish_live(const FrameTicket& frame, BatchOutcome&& outcome);
  void conclude_live(const std::shared_ptr<const Result>& result, const std::string& error);
  void decide_live(std::unique_lock<std::mutex>& lock, const FrameTicket& frame,
                   std::chrono::nanoseconds wait);

  const SchedulingMode mode_;
  const unsigned batch_size_;
  const SchedulerCallbacks callbacks_;

  const SharedEngine shared_;
  uint64_t stream_ = 0;  // this stream's id in shared_.batches

  // Touched by the calling (streaming) thread only.
  std::deque<FrameTicket> pending_;          // sync: waiting for their batch
  std::deque<std::shared_ptr<Slot>> slots_;  // sync, shared: one per pending_ frame (null when not due)
  std::deque<Decision> decided_;             // waiting for pop()

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
  bool busy_ = false;  // the worker (or, shared, the engine) has this stream's frame
  bool quit_ = false;
  std::thread worker_;
};

}  // namespace decodiff::gst
