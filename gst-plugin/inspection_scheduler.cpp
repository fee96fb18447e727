#include "inspection_scheduler.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <stdexcept>

namespace decodiff::gst {

namespace {

// A copy of a frame's pixels, packed (rows without padding), and its view.
ImageView copy_pixels(const ImageView& in, std::vector<uint8_t>& into) {
  ImageView out = in;
  const int64_t row = int64_t{in.width} * in.pixel_stride;
  into.resize(static_cast<size_t>(row) * in.height);
  for (int y = 0; y < in.height; ++y)
    std::memcpy(into.data() + y * row, in.data + y * in.row_stride, static_cast<size_t>(row));
  out.row_stride = row;
  out.data = into.data();
  return out;
}

}  // namespace

// A due frame's outcome from the shared engine (guarded by mutex_).
struct InspectionScheduler::Slot {
  bool done = false;
  BatchOutcome outcome;
};

InspectionScheduler::InspectionScheduler(SchedulingMode mode, unsigned batch_size,
                                         SchedulerCallbacks callbacks, SharedEngine shared)
    : mode_(mode),
      batch_size_(std::max(1u, batch_size)),
      callbacks_(std::move(callbacks)),
      shared_(std::move(shared)) {
  if (shared_.batches)
    stream_ = shared_.batches->join();
  else if (mode_ == SchedulingMode::kLive)
    worker_ = std::thread(&InspectionScheduler::live_worker, this);
}

InspectionScheduler::~InspectionScheduler() {
  if (shared_.batches) shared_.batches->cancel(stream_);  // no callback of ours runs after this
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  cond_.notify_all();
  worker_.join();
}

bool InspectionScheduler::failed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failed_;
}

std::shared_ptr<const Result> InspectionScheduler::latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

void InspectionScheduler::set_failed() {
  std::lock_guard<std::mutex> lock(mutex_);
  failed_ = true;
}

bool InspectionScheduler::wants_pixels(bool due) const {
  if (!due) return false;
  if (mode_ == SchedulingMode::kSync) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  return !busy_ && !job_;
}

bool InspectionScheduler::submit(const FrameTicket& frame, std::chrono::nanoseconds wait) {
  if (shared())
    return mode_ == SchedulingMode::kSync ? submit_shared_sync(frame) : submit_shared_live(frame, wait);
  if (mode_ == SchedulingMode::kSync) {
    if (failed()) return false;
    pending_.push_back(frame);
    const auto due =
        std::count_if(pending_.begin(), pending_.end(), [](const FrameTicket& f) { return f.due; });
    // Frames with nothing due before them leave at once.
    if (due > 0 && static_cast<unsigned>(due) < batch_size_) return true;
    return inspect_pending();
  }

  std::unique_lock<std::mutex> lock(mutex_);
  if (failed_) return false;
  bool submitted = false;
  if (frame.due && !busy_ && !job_ && frame.pixels.data) {
    const ImageView& in = frame.pixels;
    Job job{frame, {}};
    job.frame.pixels = copy_pixels(in, job.pixels);
    job.frame.pixels.data = nullptr;  // set by the worker, once the job has its final place
    job_ = std::move(job);
    submitted = true;
    cond_.notify_all();
  }
  decide_live(lock, frame, submitted ? wait : std::chrono::nanoseconds(0));
  return true;
}

bool InspectionScheduler::flush() {
  if (failed()) return false;
  if (shared()) shared_.batches->expedite(stream_);  // live: this stream's frame need not wait for a batch
  if (mode_ == SchedulingMode::kLive || pending_.empty()) return true;
  if (shared()) return decide_returned(true);
  return inspect_pending();
}

bool InspectionScheduler::inspect_pending() {
  std::vector<FrameTicket> due;
  for (const FrameTicket& f : pending_)
    if (f.due) due.push_back(f);
  std::vector<std::shared_ptr<const Result>> results;
  if (!due.empty()) {
    std::vector<FrameInspections> inspections;
    try {
      inspections = callbacks_.inspect(due);
      if (inspections.size() != due.size())
        throw std::runtime_error("the engine returned a result per frame");
    } catch (const std::exception& e) {
      set_failed();
      callbacks_.on_error(e.what());
      return false;
    }
    for (size_t i = 0; i < due.size(); ++i) {
      results.push_back(callbacks_.decide(std::move(inspections[i]), due[i]));
      if (!callbacks_.publish(*results.back())) {
        set_failed();
        return false;
      }
    }
  }
  std::shared_ptr<const Result> current = latest();
  size_t k = 0;
  for (const FrameTicket& f : pending_) {
    if (f.due) current = results[k++];
    decided_.push_back(Decision{f.number, current});
  }
  pending_.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  latest_ = current;
  return true;
}

std::optional<Decision> InspectionScheduler::pop() {
  if (shared() && mode_ == SchedulingMode::kSync && !failed()) decide_returned(false);
  if (decided_.empty()) return std::nullopt;
  Decision d = std::move(decided_.front());
  decided_.pop_front();
  return d;
}

void InspectionScheduler::discard() {
  if (shared()) {
    shared_.batches->cancel(stream_);  // frames still waiting are dropped: they will never come back
    std::lock_guard<std::mutex> lock(mutex_);
    busy_ = false;
  }
  pending_.clear();
  slots_.clear();
  decided_.clear();
}

bool InspectionScheduler::submit_shared_sync(const FrameTicket& frame) {
  if (failed()) return false;
  std::shared_ptr<Slot> slot;
  if (frame.due) {
    slot = std::make_shared<Slot>();
    BatchJob job;
    job.frame = frame;
    job.steps = shared_.steps;
    job.done = [this, slot](BatchOutcome&& outcome) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        slot->outcome = std::move(outcome);
        slot->done = true;
      }
      cond_.notify_all();
    };
    shared_.batches->submit(stream_, std::move(job));
  }
  pending_.push_back(frame);
  slots_.push_back(std::move(slot));
  if (!decide_returned(false)) return false;
  // At most batch_size due frames in flight: wait for the oldest's result.
  for (;;) {
    const auto in_flight =
        std::count_if(slots_.begin(), slots_.end(), [](const auto& s) { return s != nullptr; });
    if (static_cast<unsigned>(in_flight) < batch_size_) return true;
    const auto oldest =
        *std::find_if(slots_.begin(), slots_.end(), [](const auto& s) { return s != nullptr; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cond_.wait(lock, [&oldest] { return oldest->done; });
    }
    if (!decide_returned(false)) return false;
  }
}

bool InspectionScheduler::decide_returned(bool wait_for_all) {
  if (wait_for_all) shared_.batches->expedite(stream_);
  while (!pending_.empty()) {
    const FrameTicket& frame = pending_.front();
    if (const std::shared_ptr<Slot> slot = slots_.front()) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!slot->done && !wait_for_all) return true;
        cond_.wait(lock, [&slot] { return slot->done; });
      }
      BatchOutcome& outcome = slot->outcome;
      if (!outcome.error.empty()) {
        set_failed();
        callbacks_.on_error(outcome.error);
        return false;
      }
      if (callbacks_.received) callbacks_.received(outcome.inspections, frame);
      std::shared_ptr<const Result> result = callbacks_.decide(std::move(outcome.inspections), frame);
      if (!callbacks_.publish(*result)) {
        set_failed();
        return false;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      latest_ = result;
    }
    decided_.push_back(Decision{frame.number, latest()});
    pending_.pop_front();
    slots_.pop_front();
  }
  return true;
}

bool InspectionScheduler::submit_shared_live(const FrameTicket& frame, std::chrono::nanoseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (failed_) return false;
  bool submitted = false;
  if (frame.due && !busy_ && frame.pixels.data) {
    auto pixels = std::make_shared<std::vector<uint8_t>>();
    BatchJob job;
    job.frame = frame;
    job.frame.pixels = copy_pixels(frame.pixels, *pixels);  // the buffer moves on at once
    job.steps = shared_.steps;
    job.done = [this, pixels, ticket = job.frame](BatchOutcome&& outcome) {
      finish_live(ticket, std::move(outcome));
    };
    busy_ = submitted = true;
    lock.unlock();
    shared_.batches->submit(stream_, std::move(job));
    lock.lock();
  }
  decide_live(lock, frame, submitted ? wait : std::chrono::nanoseconds(0));
  return true;
}

// A live frame's decision (private or shared worker): up to `wait` for this
// frame's own result, so a fast engine delivers fresh results and a slow one
// never holds the stream back longer; then whatever result is the latest.
void InspectionScheduler::decide_live(std::unique_lock<std::mutex>& lock, const FrameTicket& frame,
                                      std::chrono::nanoseconds wait) {
  if (wait.count() > 0)
    cond_.wait_for(lock, wait,
                   [this, &frame] { return failed_ || (latest_ && latest_->frame_number == frame.number); });
  decided_.push_back(Decision{frame.number, latest_});
}

// A live frame's outcome, on a worker of the shared engine: as live_worker().
void InspectionScheduler::finish_live(const FrameTicket& frame, BatchOutcome&& outcome) {
  std::shared_ptr<const Result> result;
  std::string error = outcome.error;
  if (error.empty()) {
    try {
      if (callbacks_.received) callbacks_.received(outcome.inspections, frame);
      result = callbacks_.decide(std::move(outcome.inspections), frame);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  conclude_live(result, error);
}

// The end of a live inspection (private or shared): the result becomes the latest and is published,
// or the error is reported before anyone sees the failure; then the worker is free again.
void InspectionScheduler::conclude_live(const std::shared_ptr<const Result>& result,
                                        const std::string& error) {
  bool published = false;
  if (result) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      latest_ = result;
    }
    published = callbacks_.publish(*result);
  } else {
    callbacks_.on_error(error);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    busy_ = false;
    if (!published) failed_ = true;  // publish() reported why, or the inspection threw
  }
  cond_.notify_all();
}

void InspectionScheduler::live_worker() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cond_.wait(lock, [this] { return quit_ || job_.has_value(); });
    if (quit_) return;
    Job job = std::move(*job_);
    job_.reset();
    busy_ = true;
    lock.unlock();

    job.frame.pixels.data = job.pixels.data();
    std::shared_ptr<const Result> result;
    std::string error;
    try {
      std::vector<FrameInspections> inspections = callbacks_.inspect({job.frame});
      if (inspections.size() != 1) throw std::runtime_error("the engine returned no result for the frame");
      result = callbacks_.decide(std::move(inspections.front()), job.frame);
    } catch (const std::exception& e) {
      error = e.what();
    }
    conclude_live(result, error);
    lock.lock();
  }
}

}  // namespace decodiff::gst
