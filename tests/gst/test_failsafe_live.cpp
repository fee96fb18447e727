// decodiffinspect fails safe in live mode (suite FailSafe): errors carried and counted by the live
// worker, and buffers that keep flowing past a slow engine.
#include "failsafe_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::failsafe_test;
using decodiff::gst::Inspection;

TEST_F(FailSafe, LiveModeCarriesTheErrorAndStops) {
  decodiff::gst::set_inspection_hook([](Inspection& in, uint64_t) { poison(in); });
  GstElement* e = make_element("mode=live overlay=none max-consecutive-errors=2");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  // The worker takes a frame whenever it is idle; frames keep coming (every
  // 10 ms, as from a camera) until it has failed twice and the stream stops.
  GstFlowReturn ret = GST_FLOW_OK;
  int pushed = 0;
  const gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    ret = gst_harness_push(h, frame(pushed++));
    if (ret != GST_FLOW_OK) break;
    GstBuffer* out = gst_harness_pull(h);
    if (GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(out)) {
      EXPECT_TRUE(m->anomalous);  // fresh or stale, the carried result is the error
      EXPECT_STREQ(m->error, "non-finite score");
    }
    gst_buffer_unref(out);
    g_usleep(10000);
  }
  EXPECT_EQ(ret, GST_FLOW_ERROR) << "after " << pushed << " frames";
  auto errors = take(bus, GST_MESSAGE_ERROR);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(contains(errors[0].text, "2 inspections in a row failed")) << errors[0].text;
  EXPECT_EQ(take(bus, GST_MESSAGE_WARNING).size(), 2u);
  gst_harness_teardown(h);
}

// A slow engine, made with the hook (it runs on the live worker, after the
// engine call): live mode must never hold buffers back for it.
TEST_F(FailSafe, LiveKeepsBuffersFlowingWithASlowEngine) {
  decodiff::gst::set_inspection_hook(
      [](Inspection&, uint64_t) { std::this_thread::sleep_for(std::chrono::milliseconds(1500)); });
  GstElement* e = make_element("mode=live message=all overlay=heatmap");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());

  const auto t0 = std::chrono::steady_clock::now();
  for (guint i = 0; i < 10; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(i)));
    EXPECT_EQ(gst_harness_buffers_in_queue(h), i + 1) << "buffer " << i << " was held back";
  }
  const double pushed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // 1.5 s per inspection: ten frames through in well under that means
  // nothing waited for the worker (at most one frame period, on frame 0).
  EXPECT_LT(pushed_ms, 1000.0);
  for (int i = 0; i < 10; ++i) {
    GstBuffer* out = gst_harness_pull(h);
    EXPECT_EQ(gst_buffer_get_decodiff_meta(out), nullptr) << "no result exists yet, buffer " << i;
    gst_buffer_unref(out);
  }
  // Wait for the one inspection (frame 0); newer frames then carry it, stale.
  GstMessage* m = gst_bus_timed_pop_filtered(bus.watch.bus, 20 * GST_SECOND, GST_MESSAGE_ELEMENT);
  ASSERT_NE(m, nullptr);
  guint64 inspected = 99;
  gdouble score = -1;
  gst_structure_get_uint64(gst_message_get_structure(m), "frame", &inspected);
  gst_structure_get_double(gst_message_get_structure(m), "score", &score);
  EXPECT_EQ(inspected, 0u);
  gst_message_unref(m);
  for (guint i = 10; i < 13; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(i)));
    GstBuffer* out = gst_harness_pull(h);
    GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_TRUE(meta->stale);
    EXPECT_EQ(meta->frame_number, i);
    EXPECT_EQ(meta->inspected_frame_number, 0u);
    EXPECT_FLOAT_EQ(meta->score, static_cast<float>(score));
    gst_buffer_unref(out);
  }
  // Live mode announces one frame period of latency.
  gst_harness_set_upstream_latency(h, 0);
  EXPECT_EQ(gst_harness_query_latency(h), GST_SECOND / 10);
  gst_harness_teardown(h);
}
