// decodiffinspect's timing (suite Timing): the latency it reports, QoS.
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

TEST(Timing, SyncLatencyIsTheMedianInferenceTime) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for("RGB", 64, 64);
  GstHarness* h = make_harness("overlay=none", caps);
  std::vector<double> latencies;
  for (int i = 0; i < 3; ++i) {
    gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, i), i * GST_SECOND / 10, GST_SECOND / 10));
    GstBuffer* out = gst_harness_pull(h);
    latencies.push_back(gst_buffer_get_decodiff_meta(out)->latency_ms);
    gst_buffer_unref(out);
  }
  std::sort(latencies.begin(), latencies.end());
  gst_harness_set_upstream_latency(h, 0);
  EXPECT_EQ(gst_harness_query_latency(h), static_cast<GstClockTime>(latencies[1] * GST_MSECOND));
  gst_harness_teardown(h);
}

TEST(Timing, QosDropsLateFrames) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for("RGB", 64, 64);
  GstHarness* h = make_harness("overlay=none", caps);
  // Downstream says: everything before running time 1 s is too late.
  ASSERT_TRUE(gst_harness_push_upstream_event(
      h, gst_event_new_qos(GST_QOS_TYPE_UNDERFLOW, 2.0, GST_SECOND / 2, GST_SECOND / 2)));
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, 0), 0, GST_SECOND / 10)));
  EXPECT_EQ(gst_harness_buffers_in_queue(h), 0u);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, 1), 2 * GST_SECOND, 1)));
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->frame_number, 1u);  // frame 0 was dropped, not inspected
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}
