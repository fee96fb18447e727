// A bounded first-in first-out queue that never refuses a new item: when it
// is full, the oldest item is dropped and counted. Thread-safe; the MQTT
// publisher (messages waiting for the broker) and the snapshot writer (frames
// waiting to be saved) use it so that the streaming thread never waits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace decodiff::gst::publish {

template <typename T>
class DropOldestQueue {
 public:
  explicit DropOldestQueue(size_t capacity) : capacity_(capacity) {}

  // Appends `item`; when that makes more than `capacity` items, drops the
  // oldest one (capacity 0 keeps nothing). Returns how many were dropped (0 or 1).
  size_t push(T item) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(item));
    size_t dropped = 0;
    while (items_.size() > capacity_) {
      items_.pop_front();
      ++dropped;
    }
    dropped_ += dropped;
    return dropped;
  }

  // The oldest item, removed; nothing when empty.
  std::optional<T> pop() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  // Puts an item back at the front (it could not be handed on after all);
  // counted as dropped when the queue has filled up meanwhile.
  void push_front(T item) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (items_.size() >= capacity_) {
      ++dropped_;
      return;
    }
    items_.push_front(std::move(item));
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }
  uint64_t dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }
  size_t capacity() const { return capacity_; }

 private:
  mutable std::mutex mutex_;
  std::deque<T> items_;
  size_t capacity_;
  uint64_t dropped_ = 0;
};

}  // namespace decodiff::gst::publish
