// One engine, many streams (suite SharedBatches): InspectionSchedulers of
// several streams on one BatchScheduler, with a fake engine that records its
// calls and can be held (a gate). Nothing here depends on timing: batches
// form when full or when a stream ends (max_wait is an hour), and a held
// engine is released by the test.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "batch_scheduler.h"
#include "inspection_scheduler.h"

using decodiff::gst::BatchJob;
using decodiff::gst::BatchOptions;
using decodiff::gst::BatchScheduler;
using decodiff::gst::Decision;
using decodiff::gst::FrameInspections;
using decodiff::gst::FrameTicket;
using decodiff::gst::Inspection;
using decodiff::gst::InspectionScheduler;
using decodiff::gst::Result;
using decodiff::gst::SchedulerCallbacks;
using decodiff::gst::SchedulingMode;
using decodiff::gst::SharedEngine;

namespace {

constexpr auto kHour = std::chrono::milliseconds(3600 * 1000);

// A frame's one grey pixel says which stream and frame it is: stream * 50 + number.
uint8_t tag(int stream, uint64_t number) { return static_cast<uint8_t>(stream * 50 + number); }

// The shared engine: score = pixel / 100; throws on frames whose pixel is `poison`.
class FakeEngine {
 public:
  std::vector<std::vector<int>> calls;  // the pixels of each call's frames
  int poison = -1;

  decodiff::gst::BatchInspect inspect() {
    return [this](const std::vector<const BatchJob*>& jobs) {
      {
        std::unique_lock<std::mutex> lock(gate_mutex_);
        inside_ = true;
        gate_.notify_all();
        gate_.wait(lock, [this] { return open_; });
        inside_ = false;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      std::vector<int> pixels;
      std::vector<FrameInspections> out;
      for (const BatchJob* j : jobs) {
        const int p = j->frame.pixels.data[0];
        pixels.push_back(p);
        Inspection in;
        in.score = p / 100.0f;
        out.push_back({in});
      }
      calls.push_back(pixels);
      for (int p : pixels)
        if (p == poison) throw std::runtime_error("device lost on " + std::to_string(p));
      return out;
    };
  }
  std::vector<std::vector<int>> calls_so_far() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls;
  }
  void close_gate() {
    std::lock_guard<std::mutex> lock(gate_mutex_);
    open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard<std::mutex> lock(gate_mutex_);
      open_ = true;
    }
    gate_.notify_all();
  }
  void wait_until_inside() {
    std::unique_lock<std::mutex> lock(gate_mutex_);
    gate_.wait(lock, [this] { return inside_; });
  }

 private:
  std::mutex mutex_, gate_mutex_;
  std::condition_variable gate_;
  bool open_ = true, inside_ = false;
};

// One element's side: its frames' pixels, its scheduler and what it published.
struct Stream {
  int id;
  std::vector<std::unique_ptr<uint8_t[]>> pixels;
  std::mutex mutex;
  std::vector<uint64_t> published;
  std::vector<std::string> errors;
  std::unique_ptr<InspectionScheduler> scheduler;

  Stream(int stream_id, SchedulingMode mode, unsigned batch_size, std::shared_ptr<BatchScheduler> batches)
      : id(stream_id) {
    SchedulerCallbacks c;
    c.inspect = [](const std::vector<FrameTicket>&) -> std::vector<FrameInspections> {
      throw std::logic_error("a shared stream never calls an engine itself");
    };
    c.decide = [](FrameInspections&& in, const FrameTicket& f) -> std::shared_ptr<const Result> {
      auto r = std::make_shared<Result>();
      r->inspection = std::move(in.front());
      r->frame_number = f.number;
      return r;
    };
    c.publish = [this](const Result& r) {
      std::lock_guard<std::mutex> lock(mutex);
      published.push_back(r.frame_number);
      return true;
    };
    c.on_error = [this](const std::string& message) {
      std::lock_guard<std::mutex> lock(mutex);
      errors.push_back(message);
    };
    scheduler = std::make_unique<InspectionScheduler>(mode, batch_size, std::move(c),
                                                      SharedEngine{std::move(batches), 0});
  }
  FrameTicket ticket(uint64_t number, bool due = true) {
    pixels.push_back(std::make_unique<uint8_t[]>(3));
    const uint8_t v = tag(id, number);
    pixels.back()[0] = pixels.back()[1] = pixels.back()[2] = v;
    FrameTicket t;
    t.number = number;
    t.due = due;
    t.pixels = decodiff::color_view(pixels.back().get(), 1, 1, 3);
    return t;
  }
  bool submit(uint64_t number, bool due = true) { return scheduler->submit(ticket(number, due)); }
  std::vector<Decision> pop_all() {
    std::vector<Decision> out;
    while (auto d = scheduler->pop()) out.push_back(*d);
    return out;
  }
  std::vector<uint64_t> published_so_far() {
    std::lock_guard<std::mutex> lock(mutex);
    return published;
  }
};

// Every decision of `stream` carries the result of that stream's own frame.
void expect_own_results(const std::vector<Decision>& out, int stream, uint64_t count) {
  ASSERT_EQ(out.size(), count) << "stream " << stream;
  for (uint64_t i = 0; i < count; ++i) {
    EXPECT_EQ(out[i].number, i);
    ASSERT_TRUE(out[i].result) << "stream " << stream << " frame " << i;
    EXPECT_EQ(out[i].result->frame_number, i);
    EXPECT_FLOAT_EQ(out[i].result->inspection.score, tag(stream, i) / 100.0f) << "stream " << stream;
  }
}

template <typename Pred>
bool eventually(Pred done) {
  for (int i = 0; i < 10000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

}  // namespace

TEST(SharedBatches, ThreeStreamsOfDifferentRatesAndLengthsShareBatchesEachGetsItsOwnResults) {
  FakeEngine engine;
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{3, kHour, 1}, engine.inspect());
  // element batch-size 8: no stream waits for its results while the test feeds the others
  Stream a(0, SchedulingMode::kSync, 8, batches), b(1, SchedulingMode::kSync, 8, batches),
      c(2, SchedulingMode::kSync, 8, batches);
  // one clock: a has a frame every tick (6 frames), b every second tick (3), c every third (2)
  uint64_t na = 0, nb = 0, nc = 0;
  for (int t = 0; t < 6; ++t) {
    ASSERT_TRUE(a.submit(na++));
    if (t % 2 == 0) {
      ASSERT_TRUE(b.submit(nb++));
    }
    if (t % 3 == 0) {
      ASSERT_TRUE(c.submit(nc++));
    }
  }
  // 11 frames: three full batches ran (in submission order), two frames wait for a fourth
  ASSERT_TRUE(eventually([&] { return engine.calls_so_far().size() == 3; }));
  EXPECT_EQ(engine.calls_so_far(), (std::vector<std::vector<int>>{{tag(0, 0), tag(1, 0), tag(2, 0)},
                                                                  {tag(0, 1), tag(0, 2), tag(1, 1)},
                                                                  {tag(0, 3), tag(2, 1), tag(0, 4)}}));
  // the end of the streams: each flush sends its own waiting frames without waiting for a full batch
  ASSERT_TRUE(c.scheduler->flush());
  ASSERT_TRUE(b.scheduler->flush());
  ASSERT_TRUE(a.scheduler->flush());
  EXPECT_EQ(engine.calls_so_far().size(), 4u);
  EXPECT_EQ(engine.calls_so_far()[3], (std::vector<int>{tag(1, 2), tag(0, 5)}));
  expect_own_results(a.pop_all(), 0, 6);
  expect_own_results(b.pop_all(), 1, 3);
  expect_own_results(c.pop_all(), 2, 2);
  EXPECT_EQ(a.published_so_far(), (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(b.published_so_far(), (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(batches->calls(), 4u);
  EXPECT_EQ(batches->frames(), 11u);
}

TEST(SharedBatches, FramesThatAreNotDueCarryTheirOwnStreamsLatestResult) {
  FakeEngine engine;
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{2, kHour, 1}, engine.inspect());
  Stream a(0, SchedulingMode::kSync, 8, batches), b(1, SchedulingMode::kSync, 8, batches);
  for (uint64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(a.submit(i, i % 2 == 0));  // interval 2
    ASSERT_TRUE(b.submit(i));
  }
  ASSERT_TRUE(a.scheduler->flush());
  ASSERT_TRUE(b.scheduler->flush());
  auto out = a.pop_all();
  ASSERT_EQ(out.size(), 4u);
  const uint64_t carried[4] = {0, 0, 2, 2};
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(out[i].result);
    EXPECT_EQ(out[i].result->frame_number, carried[i]);
    EXPECT_FLOAT_EQ(out[i].result->inspection.score, tag(0, carried[i]) / 100.0f);  // never b's
  }
  expect_own_results(b.pop_all(), 1, 4);
}

TEST(SharedBatches, EachFramesLatencyIncludesItsWaitForTheBatch) {
  FakeEngine engine;
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{3, kHour, 1}, engine.inspect());
  Stream a(0, SchedulingMode::kSync, 8, batches), b(1, SchedulingMode::kSync, 8, batches);
  ASSERT_TRUE(a.submit(0));
  ASSERT_TRUE(b.submit(0));
  ASSERT_TRUE(a.submit(1));  // the batch is full: one call, one finishing time for all three
  ASSERT_TRUE(a.scheduler->flush());
  ASSERT_TRUE(b.scheduler->flush());
  auto oa = a.pop_all(), ob = b.pop_all();
  ASSERT_EQ(oa.size(), 2u);
  ASSERT_EQ(ob.size(), 1u);
  const double first = oa[0].result->inspection.latency_ms, second = ob[0].result->inspection.latency_ms,
               last = oa[1].result->inspection.latency_ms;
  EXPECT_GT(first, 0.0);
  // submitted earlier, finished together: the earlier frame waited longer
  EXPECT_GE(first, second);
  EXPECT_GE(second, last);
}

TEST(SharedBatches, AStreamThatEndsEarlyLeavesAndTheOthersGoOn) {
  FakeEngine engine;
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{3, kHour, 1}, engine.inspect());
  auto a = std::make_unique<Stream>(0, SchedulingMode::kSync, 8, batches);
  Stream b(1, SchedulingMode::kSync, 8, batches), c(2, SchedulingMode::kSync, 8, batches);
  ASSERT_TRUE(a->submit(0));
  ASSERT_TRUE(b.submit(0));
  // a ends: its EOS flush does not wait for b or c, nor for a full batch
  ASSERT_TRUE(a->scheduler->flush());
  expect_own_results(a->pop_all(), 0, 1);
  EXPECT_EQ(engine.calls_so_far(), (std::vector<std::vector<int>>{{tag(0, 0), tag(1, 0)}}));
  ASSERT_TRUE(a->submit(1));  // a frame still waiting when a stops: dropped, never inspected
  a.reset();
  for (uint64_t i = 1; i < 3; ++i) ASSERT_TRUE(b.submit(i));
  for (uint64_t i = 0; i < 2; ++i) ASSERT_TRUE(c.submit(i));
  ASSERT_TRUE(eventually([&] { return engine.calls_so_far().size() == 2; }));
  EXPECT_EQ(engine.calls_so_far()[1], (std::vector<int>{tag(1, 1), tag(1, 2), tag(2, 0)}));
  ASSERT_TRUE(b.scheduler->flush());
  ASSERT_TRUE(c.scheduler->flush());
  expect_own_results(b.pop_all(), 1, 3);
  expect_own_results(c.pop_all(), 2, 2);
}

TEST(SharedBatches, AFrameTheEngineFailsOnFailsItsOwnStreamOnly) {
  FakeEngine engine;
  engine.poison = tag(1, 1);
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{3, kHour, 1}, engine.inspect());
  Stream a(0, SchedulingMode::kSync, 8, batches), b(1, SchedulingMode::kSync, 8, batches),
      c(2, SchedulingMode::kSync, 8, batches);
  for (uint64_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(a.submit(i));
    ASSERT_TRUE(b.submit(i));
    ASSERT_TRUE(c.submit(i));
  }
  // batch 2 threw: tried again frame by frame, only b's frame 1 fails
  ASSERT_TRUE(a.scheduler->flush());
  ASSERT_TRUE(c.scheduler->flush());
  EXPECT_FALSE(b.scheduler->flush());
  EXPECT_TRUE(b.scheduler->failed());
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0], "device lost on " + std::to_string(tag(1, 1)));
  expect_own_results(a.pop_all(), 0, 2);
  expect_own_results(c.pop_all(), 2, 2);
  EXPECT_EQ(b.pop_all().size(), 1u);  // frame 0 had its result
  EXPECT_FALSE(b.submit(2));          // the failed stream refuses further frames
  EXPECT_TRUE(a.submit(2));           // the others go on
  ASSERT_TRUE(a.scheduler->flush());
  EXPECT_EQ(a.pop_all().size(), 1u);
}

TEST(SharedBatches, AStreamStoppingWhileItsFrameIsInACallWaitsForThatCallOnly) {
  FakeEngine engine;
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{2, kHour, 1}, engine.inspect());
  auto a = std::make_unique<Stream>(0, SchedulingMode::kSync, 8, batches);
  Stream b(1, SchedulingMode::kSync, 8, batches);
  engine.close_gate();
  ASSERT_TRUE(a->submit(0));
  ASSERT_TRUE(b.submit(0));  // full: the call starts and is held
  engine.wait_until_inside();
  ASSERT_TRUE(a->submit(1));  // waiting for the next batch
  std::atomic<bool> stopped{false};
  std::thread stop([&] {
    a.reset();  // a state change to READY: the session and its scheduler go
    stopped = true;
  });
  // a's waiting frame is gone at once; a itself waits for the call its frame 0 is in
  ASSERT_TRUE(eventually([&] { return batches->waiting() == 0; }));
  EXPECT_FALSE(stopped);
  ASSERT_TRUE(b.submit(1));
  engine.open_gate();
  stop.join();
  EXPECT_TRUE(stopped);
  ASSERT_TRUE(b.scheduler->flush());
  expect_own_results(b.pop_all(), 1, 2);
  // a's frame 1 never reached the engine; b's frame 1 went alone
  EXPECT_EQ(engine.calls_so_far(), (std::vector<std::vector<int>>{{tag(0, 0), tag(1, 0)}, {tag(1, 1)}}));
}

TEST(SharedBatches, ADiscardedStreamDropsItsWaitingFramesAndStartsAfresh) {
  FakeEngine engine;
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{3, kHour, 1}, engine.inspect());
  Stream a(0, SchedulingMode::kSync, 8, batches), b(1, SchedulingMode::kSync, 8, batches);
  ASSERT_TRUE(a.submit(0));
  ASSERT_TRUE(b.submit(0));
  a.scheduler->discard();  // a flushing seek on a
  EXPECT_TRUE(a.pop_all().empty());
  ASSERT_TRUE(a.submit(0));
  ASSERT_TRUE(b.submit(1));  // full: b0, a0 (the new one), b1
  ASSERT_TRUE(eventually([&] { return engine.calls_so_far().size() == 1; }));
  EXPECT_EQ(engine.calls_so_far()[0], (std::vector<int>{tag(1, 0), tag(0, 0), tag(1, 1)}));
  ASSERT_TRUE(a.scheduler->flush());
  expect_own_results(a.pop_all(), 0, 1);
}

TEST(SharedBatches, SyncStreamsOnTheirOwnThreadsEachGetEveryOwnResultInOrder) {
  FakeEngine engine;
  auto batches =
      std::make_shared<BatchScheduler>(BatchOptions{4, std::chrono::milliseconds(0), 2}, engine.inspect());
  const uint64_t lengths[3] = {30, 11, 20};
  std::vector<std::unique_ptr<Stream>> streams;
  for (int s = 0; s < 3; ++s)
    streams.push_back(std::make_unique<Stream>(s, SchedulingMode::kSync, s + 1, batches));
  std::vector<std::vector<Decision>> outs(3);
  std::vector<std::thread> threads;
  for (int s = 0; s < 3; ++s)
    threads.emplace_back([&, s] {
      for (uint64_t i = 0; i < lengths[s]; ++i) {
        ASSERT_TRUE(streams[s]->submit(i));
        for (auto& d : streams[s]->pop_all()) outs[s].push_back(d);
      }
      ASSERT_TRUE(streams[s]->scheduler->flush());
      for (auto& d : streams[s]->pop_all()) outs[s].push_back(d);
    });
  for (auto& t : threads) t.join();
  for (int s = 0; s < 3; ++s) expect_own_results(outs[s], s, lengths[s]);
  EXPECT_EQ(batches->frames(), 61u);
}

TEST(SharedBatchesLive, EachStreamKeepsItsOwnLatestResultAndNeverWaitsForTheEngine) {
  FakeEngine engine;
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{3, kHour, 1}, engine.inspect());
  Stream a(0, SchedulingMode::kLive, 1, batches), b(1, SchedulingMode::kLive, 1, batches),
      c(2, SchedulingMode::kLive, 1, batches);
  engine.close_gate();
  ASSERT_TRUE(a.submit(0));
  ASSERT_TRUE(b.submit(0));
  ASSERT_TRUE(c.submit(0));  // a full batch: held in the engine
  engine.wait_until_inside();
  // the engine is busy with each stream's frame: later frames leave at once, nothing queued
  EXPECT_FALSE(a.scheduler->wants_pixels(true));
  for (uint64_t i = 1; i < 4; ++i) ASSERT_TRUE(a.submit(i));
  ASSERT_TRUE(b.submit(1));
  auto early = a.pop_all();
  ASSERT_EQ(early.size(), 4u);
  for (const Decision& d : early) EXPECT_FALSE(d.result);  // no result yet
  engine.open_gate();
  ASSERT_TRUE(eventually([&] { return a.scheduler->wants_pixels(true) && b.scheduler->wants_pixels(true); }));
  EXPECT_EQ(engine.calls_so_far(), (std::vector<std::vector<int>>{{tag(0, 0), tag(1, 0), tag(2, 0)}}));
  ASSERT_TRUE(a.submit(4, false));
  ASSERT_TRUE(b.submit(2, false));
  auto la = a.pop_all(), lb = b.pop_all();
  ASSERT_EQ(la.size(), 1u);
  ASSERT_EQ(lb.size(), 3u);
  // each stream's later frames carry its own frame 0's result: stale, by frame number
  EXPECT_EQ(la[0].result->frame_number, 0u);
  EXPECT_FLOAT_EQ(la[0].result->inspection.score, tag(0, 0) / 100.0f);
  ASSERT_TRUE(lb[2].result);
  EXPECT_FLOAT_EQ(lb[2].result->inspection.score, tag(1, 0) / 100.0f);
  EXPECT_EQ(a.published_so_far(), (std::vector<uint64_t>{0}));
  // the engine is free again: the next due frames of the three streams make the next batch
  ASSERT_TRUE(a.submit(5));
  ASSERT_TRUE(b.submit(3));
  ASSERT_TRUE(c.submit(1));
  ASSERT_TRUE(eventually([&] { return engine.calls_so_far().size() == 2; }));
  EXPECT_EQ(engine.calls_so_far()[1], (std::vector<int>{tag(0, 5), tag(1, 3), tag(2, 1)}));
}

TEST(SharedBatchesLive, AFailedFrameStopsItsStreamAlone) {
  FakeEngine engine;
  engine.poison = tag(1, 0);
  auto batches = std::make_shared<BatchScheduler>(BatchOptions{2, kHour, 1}, engine.inspect());
  Stream a(0, SchedulingMode::kLive, 1, batches), b(1, SchedulingMode::kLive, 1, batches);
  ASSERT_TRUE(a.submit(0));
  ASSERT_TRUE(b.submit(0));
  ASSERT_TRUE(eventually([&] { return b.scheduler->failed() && !a.published_so_far().empty(); }));
  EXPECT_FALSE(a.scheduler->failed());
  EXPECT_EQ(b.errors.size(), 1u);
  EXPECT_FALSE(b.submit(1));
  ASSERT_TRUE(eventually([&] { return a.scheduler->wants_pixels(true); }));
  ASSERT_TRUE(a.submit(1, false));
  auto out = a.pop_all();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FLOAT_EQ(out[1].result->inspection.score, tag(0, 0) / 100.0f);
}
