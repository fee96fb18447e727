// decodiffinspect's caps (suite Caps): the overlay on YUV frames, refused formats, the pad templates.
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

// The overlay is drawn on YUV frames too: inside the mapped area the frame
// changes, away from what is drawn its bytes stay exactly as they were.
TEST(Caps, OverlayIsDrawnOnYuvFrames) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for("NV12", 160, 120), rgb_caps = caps_for("RGB", 160, 120);
  GstBuffer* yuv =
      videoconvert(make_buffer(rgb_caps, rgb_pattern(160, 120, 2), 0, GST_SECOND / 10), rgb_caps, caps);
  ASSERT_NE(yuv, nullptr);
  GstMapInfo before_map;
  ASSERT_TRUE(gst_buffer_map(yuv, &before_map, GST_MAP_READ));
  const std::vector<uint8_t> before(before_map.data, before_map.data + before_map.size);
  gst_buffer_unmap(yuv, &before_map);

  GstHarness* h = make_harness("overlay=heatmap threshold=0 roi=100,60,60,60", caps);
  GST_BUFFER_PTS(yuv) = 0;
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, yuv));
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  GstMapInfo map;
  ASSERT_TRUE(gst_buffer_map(out, &map, GST_MAP_READ));
  ASSERT_EQ(map.size, before.size());
  int changed_inside = 0, changed_far = 0;
  for (int y = 0; y < 120; ++y)
    for (int x = 0; x < 160; ++x) {
      const bool differs = map.data[y * 160 + x] != before[static_cast<size_t>(y) * 160 + x];  // Y plane
      if (x >= 100 && y >= 60) changed_inside += differs;
      if (x < 40 && y >= 90) changed_far += differs;  // below the score label, left of the map
    }
  gst_buffer_unmap(out, &map);
  EXPECT_GT(changed_inside, 1000) << "no overlay drawn in the inspected region";
  EXPECT_EQ(changed_far, 0) << "the conversion round trip disturbed the frame away from the overlay";
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(Caps, RefusesFormatsItCannotRead) {
  SKIP_WITHOUT_TINY_MODEL();
  GstElement* e = make_element();
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  // (gst_harness_set_src_caps asserts that the caps event is accepted; a sticky
  // event is stored either way and the data flow fails)
  push_caps_and_segment(h, caps_for("GRAY8"));
  GstBuffer* buf = gst_buffer_new_allocate(NULL, kW * kH, NULL);
  EXPECT_EQ(GST_FLOW_NOT_NEGOTIATED, gst_harness_push(h, buf));
  EXPECT_EQ(0u, gst_harness_buffers_received(h));
  gst_harness_teardown(h);
}

TEST(Caps, TemplatesListTheReadableFormats) {
  GstElementFactory* f = gst_element_factory_find("decodiffinspect");
  ASSERT_NE(f, nullptr) << "plugin not found: is GST_PLUGIN_PATH set to the build's gst-plugin/?";
  GstElement* e = gst_element_factory_create(f, NULL);
  GstCaps* caps = gst_pad_query_caps(gst_element_get_static_pad(e, "sink"), NULL);
  for (const char* fmt : {"RGB", "BGR", "RGBA", "BGRA", "RGBx", "BGRx", "I420", "NV12", "YUY2"}) {
    GstCaps* c = gst_caps_from_string(caps_for(fmt, 1920, 1080, 30).c_str());
    EXPECT_TRUE(gst_caps_can_intersect(caps, c)) << fmt;
    gst_caps_unref(c);
  }
  GstCaps* gray = gst_caps_from_string(caps_for("GRAY8").c_str());
  EXPECT_FALSE(gst_caps_can_intersect(caps, gray));
  gst_caps_unref(gray);
  gst_caps_unref(caps);
  gst_object_unref(e);
  gst_object_unref(f);
}
