#include "inspection_scheduler.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <stdexcept>

namespace decodiff::gst {

InspectionScheduler::InspectionScheduler(SchedulingMode mode, unsigned batch_size,
                                         SchedulerCallbacks callbacks)
    : mode_(mode), batch_size_(std::max(1u, batch_size)), callbacks_(std::move(callbacks)) {
  if (mode_ == SchedulingMode::kLive) worker_ = std::thread(&InspectionScheduler::live_worker, this);
}

InspectionScheduler::~InspectionScheduler() {
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
    const int64_t row = int64_t{in.width} * in.pixel_stride;
    job.pixels.resize(static_cast<size_t>(row) * in.height);
    for (int y = 0; y < in.height; ++y)
      std::memcpy(job.pixels.data() + y * row, in.data + y * in.row_stride, static_cast<size_t>(row));
    job.frame.pixels.row_stride = row;
    job.frame.pixels.data = nullptr;  // set by the worker, once the job has its final place
    job_ = std::move(job);
    submitted = true;
    cond_.notify_all();
  }
  // Up to `wait` for this frame's own result: a fast engine delivers fresh
  // results, a slow one never holds the stream back longer.
  if (submitted && wait.count() > 0) {
    cond_.wait_for(lock, wait,
                   [this, &frame] { return failed_ || (latest_ && latest_->frame_number == frame.number); });
  }
  decided_.push_back(Decision{frame.number, latest_});
  return true;
}

bool InspectionScheduler::flush() {
  if (failed()) return false;
  if (mode_ == SchedulingMode::kLive || pending_.empty()) return true;
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
  if (decided_.empty()) return std::nullopt;
  Decision d = std::move(decided_.front());
  decided_.pop_front();
  return d;
}

void InspectionScheduler::discard() {
  pending_.clear();
  decided_.clear();
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
    bool published = false;
    if (result) {
      {
        std::lock_guard<std::mutex> guard(mutex_);
        latest_ = result;
      }
      published = callbacks_.publish(*result);
    } else {
      callbacks_.on_error(error);  // reported before anyone sees the failure
    }

    lock.lock();
    busy_ = false;
    if (!published) failed_ = true;  // publish() reported why, or the inspection threw
    cond_.notify_all();
  }
}

}  // namespace decodiff::gst
