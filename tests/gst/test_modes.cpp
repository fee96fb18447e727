// decodiffinspect's modes (suite Modes): sync batches, interval, live with a fast engine.
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

TEST(Modes, SyncInspectsEveryFrameInOrderAcrossBatches) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string jsonl = scratch("jsonl");
  const std::string caps = caps_for("RGB", 64, 64);
  GstHarness* h = make_harness("batch-size=3 overlay=none results-location=\"" + jsonl + "\"", caps);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, i), i * GST_SECOND / 10,
                                                           GST_SECOND / 10)));
  EXPECT_EQ(gst_harness_buffers_in_queue(h), 3u);  // one full batch out, the 4th waits for its batch
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_in_queue(h), 4u);  // EOS flushed the partial batch
  std::vector<float> scores;
  for (int i = 0; i < 4; ++i) {
    GstBuffer* out = gst_harness_pull(h);
    GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_EQ(meta->frame_number, static_cast<guint64>(i));
    EXPECT_EQ(meta->inspected_frame_number, static_cast<guint64>(i));
    EXPECT_FALSE(meta->stale);
    EXPECT_EQ(GST_BUFFER_PTS(out), i * GST_SECOND / 10);
    // batched results equal single-frame engine results (up to batched GEMM rounding)
    EXPECT_NEAR(meta->score, reference(rgb_pattern(64, 64, i), 64, 64).score, 1e-4) << i;
    scores.push_back(meta->score);
    gst_buffer_unref(out);
  }
  auto lines = read_lines(jsonl);
  ASSERT_EQ(lines.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["frame"].get<int>(), i);
    EXPECT_EQ(j["score"].get<float>(), scores[i]);
  }
  gst_harness_teardown(h);
}

TEST(Modes, IntervalCarriesTheLatestResultMarkedStale) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string jsonl = scratch("jsonl");
  const std::string caps = caps_for("RGB", 64, 64);
  GstHarness* h = make_harness("interval=3 overlay=heatmap results-location=\"" + jsonl + "\"", caps);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, i), i * 1000, 1000)));
    GstBuffer* out = gst_harness_pull(h);
    GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_EQ(meta->frame_number, static_cast<guint64>(i));
    EXPECT_EQ(meta->inspected_frame_number, static_cast<guint64>(i - i % 3));
    EXPECT_EQ(meta->stale, i % 3 != 0);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(read_lines(jsonl).size(), 2u);  // frames 0 and 3
  gst_harness_teardown(h);
}

// A slow engine in live mode: tests/gst/test_failsafe_live.cpp (it needs the inspection hook).

TEST(Modes, LiveWithAFastEngineDeliversFreshResults) {
  SKIP_WITHOUT_TINY_MODEL();
  // One frame per second leaves the worker a whole second: the result comes
  // back on the frame it was computed from.
  const std::string caps = caps_for("RGB", 64, 64, 1);
  GstHarness* h = make_harness("mode=live overlay=none", caps);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, 1), 0, GST_SECOND)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr) << "inspection of a 64x64 frame took more than one second";
  EXPECT_FALSE(meta->stale);
  EXPECT_EQ(meta->score, reference(rgb_pattern(64, 64, 1), 64, 64).score);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}
