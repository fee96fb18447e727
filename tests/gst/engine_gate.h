// A gate for fake engines in the scheduler tests: while it is closed, a call that passes through it
// blocks (a slow engine, without sleeping), and the test can wait until a call sits inside it.
#pragma once

#include <condition_variable>
#include <mutex>

namespace decodiff::gst::testing {

class EngineGate {
 public:
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
  }
  void open() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  // Blocks until a call sits inside pass() (the gate closed).
  void wait_until_inside() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return inside_; });
  }
  // Called by the fake engine: returns at once while open, else when opened.
  void pass() {
    std::unique_lock<std::mutex> lock(mutex_);
    inside_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    inside_ = false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true, inside_ = false;
};

}  // namespace decodiff::gst::testing
