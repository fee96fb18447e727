#include "batch_scheduler.h"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace decodiff::gst {

BatchScheduler::BatchScheduler(BatchOptions options, BatchInspect inspect)
    : options_{std::max(1u, options.batch_size), options.max_wait, std::max(1u, options.workers)},
      inspect_(std::move(inspect)) {
  for (unsigned i = 0; i < options_.workers; ++i) workers_.emplace_back(&BatchScheduler::work, this);
}

BatchScheduler::~BatchScheduler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
    waiting_.clear();
  }
  changed_.notify_all();
  for (std::thread& t : workers_) t.join();
}

uint64_t BatchScheduler::join() {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_stream_++;
}

void BatchScheduler::submit(uint64_t stream, BatchJob job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.push_back(Waiting{stream, std::move(job), Clock::now(), false});
  }
  changed_.notify_all();
}

void BatchScheduler::expedite(uint64_t stream) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Waiting& w : waiting_)
      if (w.stream == stream) w.urgent = true;
  }
  changed_.notify_all();
}

void BatchScheduler::cancel(uint64_t stream) {
  std::unique_lock<std::mutex> lock(mutex_);
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(),
                                [stream](const Waiting& w) { return w.stream == stream; }),
                 waiting_.end());
  changed_.wait(lock, [this, stream] {
    auto it = running_.find(stream);
    return it == running_.end() || it->second == 0;
  });
  running_.erase(stream);
}

uint64_t BatchScheduler::calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return calls_;
}

uint64_t BatchScheduler::frames() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return frames_;
}

size_t BatchScheduler::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

bool BatchScheduler::ready(Clock::time_point now) const {
  if (waiting_.empty()) return false;
  if (waiting_.size() >= options_.batch_size || options_.max_wait.count() == 0) return true;
  if (now - waiting_.front().submitted >= options_.max_wait) return true;
  return std::any_of(waiting_.begin(), waiting_.end(), [](const Waiting& w) { return w.urgent; });
}

void BatchScheduler::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    while (!quit_ && !ready(Clock::now())) {
      if (waiting_.empty())
        changed_.wait(lock);
      else
        changed_.wait_until(lock, waiting_.front().submitted + options_.max_wait);
    }
    if (quit_) return;
    const size_t n = std::min<size_t>(options_.batch_size, waiting_.size());
    std::vector<Waiting> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
      ++running_[batch.back().stream];
    }
    ++calls_;
    frames_ += n;
    const bool more = !waiting_.empty();
    lock.unlock();
    if (more) changed_.notify_all();  // another worker may take the rest
    run(batch);
    lock.lock();
    for (const Waiting& w : batch) --running_[w.stream];
    changed_.notify_all();  // cancel() may be waiting for these
  }
}

// One engine call for the batch; when it throws, one call per frame, so that
// a frame the engine fails on fails alone (its stream's error) and the other
// streams' frames get their results.
void BatchScheduler::run(std::vector<Waiting>& batch) {
  std::vector<const BatchJob*> jobs;
  for (const Waiting& w : batch) jobs.push_back(&w.job);
  std::vector<BatchOutcome> outcomes(batch.size());
  auto call = [this](const std::vector<const BatchJob*>& some) {
    std::vector<FrameInspections> found = inspect_(some);
    if (found.size() != some.size()) throw std::runtime_error("the engine returned no result for a frame");
    return found;
  };
  try {
    std::vector<FrameInspections> found = call(jobs);
    for (size_t i = 0; i < batch.size(); ++i) outcomes[i].inspections = std::move(found[i]);
  } catch (const std::exception& e) {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch.size() == 1) {
        outcomes[i].error = e.what();
        break;
      }
      try {
        outcomes[i].inspections = std::move(call({jobs[i]}).front());
      } catch (const std::exception& alone) {
        outcomes[i].error = alone.what();
      }
    }
  }
  const Clock::time_point now = Clock::now();
  for (size_t i = 0; i < batch.size(); ++i) {
    BatchOutcome& o = outcomes[i];
    o.latency_ms = std::chrono::duration<double, std::milli>(now - batch[i].submitted).count();
    for (Inspection& in : o.inspections) in.latency_ms = o.latency_ms;
    if (batch[i].job.done) batch[i].job.done(std::move(o));
  }
}

}  // namespace decodiff::gst
