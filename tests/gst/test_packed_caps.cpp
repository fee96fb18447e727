// decodiffinspect on packed RGB formats (suite CapsTest): every channel layout reaches the engine
// as the same RGB content.
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

class CapsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CapsTest, NegotiatesAndInspectsTheSamePixels) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for(GetParam());
  GstHarness* h = make_harness("overlay=none", caps);
  auto rgb = rgb_pattern(kW, kH, 3);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb, 0, GST_SECOND / 10)));
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  GstCaps* sink_caps = gst_pad_get_current_caps(h->sinkpad);
  GstCaps* expected = gst_caps_from_string(caps.c_str());
  EXPECT_TRUE(gst_caps_is_equal(sink_caps, expected)) << gst_caps_to_string(sink_caps);
  gst_caps_unref(sink_caps);
  gst_caps_unref(expected);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr);
  // Every channel layout must reach the engine as the same RGB content.
  auto ref = reference(rgb, kW, kH);
  EXPECT_EQ(meta->score, ref.score);
  expect_map_equals(meta, ref);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

INSTANTIATE_TEST_SUITE_P(Formats, CapsTest, ::testing::Values("RGB", "BGR", "RGBA", "BGRA", "RGBx", "BGRx"));
