// decodiffinspect's lifecycle and memory (suite Lifecycle).
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

namespace {

long rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace

TEST(Lifecycle, RepeatedNullPlayingCycles) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for("BGRx", 64, 48);
  GstElement* e = make_element("overlay=heatmap threshold=0.0 message=all");
  BusWatch bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  long rss_after_warmup = 0;
  const int cycles = 200;
  for (int i = 0; i < cycles; ++i) {
    if (i > 0) {
      ASSERT_EQ(gst_element_set_state(h->element, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
      ASSERT_EQ(gst_element_set_state(h->element, GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS)
          << "cycle " << i;
    }
    if (i % 50 == 0) {  // a frame now and then, so that cycles also drop live state
      gst_harness_push_event(h, gst_event_new_stream_start("cycle"));
      gst_harness_set_src_caps_str(h, caps.c_str());
      gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 48, i), 0, 1));
      GstBuffer* out = gst_harness_pull(h);
      ASSERT_NE(gst_buffer_get_decodiff_meta(out), nullptr) << "cycle " << i;
      gst_buffer_unref(out);
    }
    if (i == 20) rss_after_warmup = rss_kib();
  }
  ASSERT_GT(rss_after_warmup, 0) << "cannot read VmRSS from /proc/self/status";
  for (GstMessage* m : bus.pop_all(GST_MESSAGE_ANY)) gst_message_unref(m);
  long growth = rss_kib() - rss_after_warmup;
  std::printf("RSS growth over %d NULL<->PLAYING cycles: %ld KiB\n", cycles - 20, growth);
  // A leaked engine is ~20 MB per cycle here; allocator noise is far below 16 MB.
  EXPECT_LT(growth, 16 * 1024) << "RSS grew " << growth << " KiB over " << cycles - 20 << " cycles";
  gst_harness_teardown(h);
}

TEST(Lifecycle, ResidentMemoryStaysFlatOverTenThousandFrames) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string jsonl = scratch("jsonl");
  const std::string caps = caps_for("RGBx", 64, 48, 30);
  // interval 1000: 10 inspections; every frame still gets meta, ROI metas and overlay.
  GstHarness* h =
      make_harness("interval=1000 threshold=0.0 overlay=heatmap results-location=\"" + jsonl + "\"", caps);
  GstBuffer* frame = make_buffer(caps, rgb_pattern(64, 48, 1), 0, 1);
  long rss_early = 0;
  for (int i = 0; i < 10000; ++i) {
    GstBuffer* in = gst_buffer_copy_deep(frame);
    GST_BUFFER_PTS(in) = i * GST_SECOND / 30;
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, in));
    GstBuffer* out = gst_harness_pull(h);
    ASSERT_EQ(gst_buffer_get_n_meta(out, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE), 1u);
    gst_buffer_unref(out);
    if (i == 2000) rss_early = rss_kib();
  }
  ASSERT_GT(rss_early, 0) << "cannot read VmRSS from /proc/self/status";
  long growth = rss_kib() - rss_early;
  std::printf("RSS growth over frames 2000..10000: %ld KiB\n", growth);
  EXPECT_LT(growth, 4 * 1024) << "RSS grew " << growth << " KiB over 8000 frames";
  EXPECT_EQ(read_lines(jsonl).size(), 10u);
  gst_buffer_unref(frame);
  gst_harness_teardown(h);
}
