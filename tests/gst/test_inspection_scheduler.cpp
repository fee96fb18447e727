// InspectionScheduler alone: batching in sync mode, the live worker's
// hand-over, stale results, failures. The engine is a fake that records what
// it was asked and can be held (a gate), so nothing here depends on timing.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine_gate.h"
#include "inspection_scheduler.h"

using decodiff::ImageView;
using decodiff::gst::Decision;
using decodiff::gst::FrameInspections;
using decodiff::gst::FrameTicket;
using decodiff::gst::Inspection;
using decodiff::gst::InspectionScheduler;
using decodiff::gst::Result;
using decodiff::gst::SchedulerCallbacks;
using decodiff::gst::SchedulingMode;

namespace {

// One-pixel grey frames; the fake engine's score is the pixel's value / 100.
struct Frames {
  std::vector<std::vector<uint8_t>> pixels;
  FrameTicket ticket(uint64_t number, uint8_t value, bool due = true) {
    pixels.push_back({value, value, value});
    FrameTicket t;
    t.number = number;
    t.pts = number * 1000;
    t.due = due;
    t.pixels = decodiff::color_view(static_cast<const uint8_t*>(pixels.back().data()), 1, 1, 3);
    return t;
  }
  Frames() { pixels.reserve(64); }  // views stay valid
};

class FakeEngine {
 public:
  std::vector<std::vector<uint64_t>> calls;  // frame numbers per engine call
  std::vector<uint64_t> published;
  std::vector<std::string> errors;
  bool throw_on_inspect = false;
  uint64_t refuse_publish_of = UINT64_MAX;

  SchedulerCallbacks callbacks() {
    SchedulerCallbacks c;
    c.inspect = [this](const std::vector<FrameTicket>& frames) {
      gate_.pass();
      std::lock_guard<std::mutex> lock(mutex_);
      if (throw_on_inspect) throw std::runtime_error("device lost");
      std::vector<uint64_t> numbers;
      std::vector<FrameInspections> out;
      for (const FrameTicket& f : frames) {
        numbers.push_back(f.number);
        Inspection in;
        in.score = f.pixels.data[0] / 100.0f;
        out.push_back({in});
      }
      calls.push_back(numbers);
      return out;
    };
    c.decide = [](FrameInspections&& in, const FrameTicket& f) -> std::shared_ptr<const Result> {
      auto r = std::make_shared<Result>();
      r->inspection = std::move(in.front());
      r->frame_number = f.number;
      r->pts = f.pts;
      return r;
    };
    c.publish = [this](const Result& r) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (r.frame_number == refuse_publish_of) return false;
      published.push_back(r.frame_number);
      return true;
    };
    c.on_error = [this](const std::string& message) {
      std::lock_guard<std::mutex> lock(mutex_);
      errors.push_back(message);
    };
    return c;
  }

  // While closed, inspect() blocks: a slow engine, without sleeping.
  void close_gate() { gate_.close(); }
  void open_gate() { gate_.open(); }
  size_t call_count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls.size();
  }
  // Blocks until the worker sits inside inspect() (gate closed).
  void wait_until_inspecting() { gate_.wait_until_inside(); }

 private:
  std::mutex mutex_;
  decodiff::gst::testing::EngineGate gate_;
};

// Polls `done` (what another thread will make true) for up to ten seconds.
template <typename Pred>
bool eventually(Pred done) {
  for (int i = 0; i < 10000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

std::vector<Decision> pop_all(InspectionScheduler& s) {
  std::vector<Decision> out;
  while (auto d = s.pop()) out.push_back(*d);
  return out;
}

}  // namespace

TEST(SchedulerSync, FramesWaitForAFullBatchAndLeaveInOrderWithTheirOwnResults) {
  FakeEngine engine;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kSync, 3, engine.callbacks());
  ASSERT_TRUE(s.submit(frames.ticket(0, 10)));
  ASSERT_TRUE(s.submit(frames.ticket(1, 11)));
  EXPECT_FALSE(s.pop().has_value());  // two of three: held
  EXPECT_EQ(engine.call_count(), 0u);
  ASSERT_TRUE(s.submit(frames.ticket(2, 12)));
  ASSERT_EQ(engine.calls.size(), 1u);
  EXPECT_EQ(engine.calls[0], (std::vector<uint64_t>{0, 1, 2}));  // one engine call for the batch
  auto out = pop_all(s);
  ASSERT_EQ(out.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].number, i);
    ASSERT_TRUE(out[i].result);
    EXPECT_EQ(out[i].result->frame_number, i);
    EXPECT_FLOAT_EQ(out[i].result->inspection.score, (10 + i) / 100.0f);
  }
  EXPECT_EQ(engine.published, (std::vector<uint64_t>{0, 1, 2}));
}

TEST(SchedulerSync, FlushInspectsAPartialBatch) {
  FakeEngine engine;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kSync, 4, engine.callbacks());
  ASSERT_TRUE(s.submit(frames.ticket(0, 20)));
  ASSERT_TRUE(s.submit(frames.ticket(1, 21)));
  EXPECT_TRUE(pop_all(s).empty());
  ASSERT_TRUE(s.flush());
  ASSERT_EQ(engine.calls.size(), 1u);
  EXPECT_EQ(engine.calls[0], (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(pop_all(s).size(), 2u);
  ASSERT_TRUE(s.flush());  // nothing held: no engine call
  EXPECT_EQ(engine.calls.size(), 1u);
}

TEST(SchedulerSync, FramesThatAreNotDueCarryTheLatestResult) {
  FakeEngine engine;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kSync, 2, engine.callbacks());
  // interval 3 as the element computes it: frames 0 and 3 are due
  for (uint64_t i = 0; i < 6; ++i)
    ASSERT_TRUE(s.submit(frames.ticket(i, static_cast<uint8_t>(30 + i), i % 3 == 0)));
  ASSERT_EQ(engine.calls.size(), 1u);
  EXPECT_EQ(engine.calls[0], (std::vector<uint64_t>{0, 3}));
  auto out = pop_all(s);
  ASSERT_EQ(out.size(), 6u);  // frames 4 and 5 had nothing due before them: they left too
  const uint64_t carried[6] = {0, 0, 0, 3, 3, 3};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(out[i].number, i);
    ASSERT_TRUE(out[i].result);
    EXPECT_EQ(out[i].result->frame_number, carried[i]) << "frame " << i;
  }
}

TEST(SchedulerSync, AnEngineErrorIsReportedOnceAndStopsTheStream) {
  FakeEngine engine;
  engine.throw_on_inspect = true;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kSync, 1, engine.callbacks());
  EXPECT_FALSE(s.submit(frames.ticket(0, 1)));
  EXPECT_TRUE(s.failed());
  EXPECT_EQ(engine.errors, (std::vector<std::string>{"device lost"}));
  EXPECT_FALSE(s.submit(frames.ticket(1, 1)));  // refused, not inspected again
  EXPECT_FALSE(s.flush());
  EXPECT_EQ(engine.errors.size(), 1u);
  EXPECT_TRUE(pop_all(s).empty());  // nothing leaves as if it had been inspected
}

TEST(SchedulerSync, APublishThatMustStopFailsTheStream) {
  FakeEngine engine;
  engine.refuse_publish_of = 1;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kSync, 1, engine.callbacks());
  EXPECT_TRUE(s.submit(frames.ticket(0, 1)));
  EXPECT_FALSE(s.submit(frames.ticket(1, 1)));
  EXPECT_TRUE(s.failed());
  EXPECT_TRUE(engine.errors.empty());  // the publisher reported it itself
  ASSERT_EQ(pop_all(s).size(), 1u);    // only frame 0, which was published
}

TEST(SchedulerSync, DiscardForgetsHeldFrames) {
  FakeEngine engine;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kSync, 2, engine.callbacks());
  ASSERT_TRUE(s.submit(frames.ticket(0, 1)));
  s.discard();
  ASSERT_TRUE(s.flush());
  EXPECT_EQ(engine.call_count(), 0u);
  EXPECT_TRUE(pop_all(s).empty());
}

TEST(SchedulerLive, AFastEngineDeliversEachFramesOwnResult) {
  FakeEngine engine;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kLive, 1, engine.callbacks());
  for (uint64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(s.wants_pixels(true));
    // a long wait ends as soon as the frame's result is there
    ASSERT_TRUE(s.submit(frames.ticket(i, static_cast<uint8_t>(40 + i)), std::chrono::seconds(60)));
    auto d = s.pop();
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->number, i);
    ASSERT_TRUE(d->result);
    EXPECT_EQ(d->result->frame_number, i);
  }
  EXPECT_EQ(engine.call_count(), 4u);
}

TEST(SchedulerLive, ASlowEngineNeverHoldsFramesBackNorBuildsABacklog) {
  FakeEngine engine;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kLive, 1, engine.callbacks());
  engine.close_gate();  // the engine takes "forever"
  ASSERT_TRUE(s.submit(frames.ticket(0, 50), std::chrono::milliseconds(1)));
  engine.wait_until_inspecting();
  auto first = s.pop();
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->result);  // nothing inspected yet: the frame left without a result
  for (uint64_t i = 1; i < 20; ++i) {
    EXPECT_FALSE(s.wants_pixels(true)) << "frame " << i;  // busy: its pixels are not even read
    ASSERT_TRUE(s.submit(frames.ticket(i, 51), std::chrono::milliseconds(1)));
    auto d = s.pop();
    ASSERT_TRUE(d.has_value());  // every frame leaves at once
    EXPECT_EQ(d->number, i);
  }
  engine.open_gate();
  // Once the engine is free again, the newest due frame is inspected; the
  // frames that came while it was busy never were (no backlog).
  ASSERT_TRUE(eventually([&] { return s.latest() && s.wants_pixels(true); }));
  ASSERT_TRUE(s.submit(frames.ticket(20, 52), std::chrono::seconds(60)));
  auto last = s.pop();
  ASSERT_TRUE(last.has_value() && last->result);
  EXPECT_EQ(last->result->frame_number, 20u);
  ASSERT_EQ(engine.calls.size(), 2u);
  EXPECT_EQ(engine.calls[0], (std::vector<uint64_t>{0}));
  EXPECT_EQ(engine.calls[1], (std::vector<uint64_t>{20}));
}

TEST(SchedulerLive, FramesInBetweenCarryTheLatestResultMarkedByItsFrameNumber) {
  FakeEngine engine;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kLive, 1, engine.callbacks());
  ASSERT_TRUE(s.submit(frames.ticket(0, 60), std::chrono::seconds(60)));
  ASSERT_TRUE(s.submit(frames.ticket(1, 61, /*due=*/false)));
  auto out = pop_all(s);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[1].result);
  EXPECT_EQ(out[1].number, 1u);
  EXPECT_EQ(out[1].result->frame_number, 0u);  // stale: the element marks it so
  EXPECT_EQ(engine.call_count(), 1u);
}

TEST(SchedulerLive, TheWorkerReadsItsOwnCopyOfThePixels) {
  FakeEngine engine;
  InspectionScheduler s(SchedulingMode::kLive, 1, engine.callbacks());
  engine.close_gate();
  std::vector<uint8_t> camera = {70, 70, 70};
  FrameTicket t;
  t.number = 0;
  t.pixels = decodiff::color_view(static_cast<const uint8_t*>(camera.data()), 1, 1, 3);
  ASSERT_TRUE(s.submit(t, std::chrono::milliseconds(1)));
  engine.wait_until_inspecting();
  camera.assign(3, 99);  // the buffer moved on and was reused
  engine.open_gate();
  ASSERT_TRUE(eventually([&] { return s.latest() != nullptr; }));
  EXPECT_FLOAT_EQ(s.latest()->inspection.score, 0.70f);
}

TEST(SchedulerLive, WhoeverHearsOfAResultSeesItOnTheNextFrame) {
  FakeEngine engine;
  Frames frames;
  InspectionScheduler* scheduler = nullptr;
  std::shared_ptr<const Result> latest_when_published;
  SchedulerCallbacks c = engine.callbacks();
  c.publish = [&](const Result&) {
    latest_when_published = scheduler->latest();
    return true;
  };
  InspectionScheduler s(SchedulingMode::kLive, 1, c);
  scheduler = &s;
  ASSERT_TRUE(s.submit(frames.ticket(0, 80), std::chrono::seconds(60)));
  ASSERT_TRUE(eventually([&] { return s.wants_pixels(true); }));
  ASSERT_TRUE(latest_when_published);
  EXPECT_EQ(latest_when_published->frame_number, 0u);
}

TEST(SchedulerLive, AnEngineErrorIsReportedAndLaterFramesAreRefused) {
  FakeEngine engine;
  engine.throw_on_inspect = true;
  Frames frames;
  InspectionScheduler s(SchedulingMode::kLive, 1, engine.callbacks());
  ASSERT_TRUE(s.submit(frames.ticket(0, 1), std::chrono::seconds(60)));  // taken; fails in the worker
  ASSERT_TRUE(eventually([&] { return s.failed(); }));
  EXPECT_FALSE(s.submit(frames.ticket(1, 1)));
  ASSERT_EQ(engine.errors.size(), 1u);
  EXPECT_EQ(engine.errors[0], "device lost");
}
