// decodiffinspect fails safe (suite FailSafe), item 3: strict settings, one error each.
#include "failsafe_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::failsafe_test;
using decodiff::gst::Inspection;

namespace {
// Takes the element to PAUSED; returns the errors it posted.
std::vector<Posted> start_errors(const std::string& props) {
  GstElement* e = make_element(props);
  Bus bus(e);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE) << props;
  gst_element_set_state(e, GST_STATE_NULL);
  auto errors = take(bus, GST_MESSAGE_ERROR);
  gst_object_unref(e);
  return errors;
}
}  // namespace

TEST_F(FailSafe, MalformedOrOverflowingRoiIsOneErrorAtStart) {
  const std::pair<const char*, const char*> cases[] = {
      {"4294967306,0,10,10", "x \"4294967306\" is out of range (0..2147483647)"},
      {"2147483647,0,10,10", "x + width = 2147483657 exceeds the largest frame size"},
      {"0,2147483647,10,10", "y + height = 2147483657 exceeds the largest frame size"},
      {"150,0,2147483647,10", "x + width = 2147483797 exceeds the largest frame size"},
      {"1,2,3", "expected x,y,width,height (4 integers), found 3 fields"},
      {"1,2,3,4x", "height \"4x\" is not a decimal integer"},
      {"-1,0,10,10", "x \"-1\" is out of range"},
  };
  for (const auto& [roi, why] : cases) {
    auto errors = start_errors(std::string("roi=\"") + roi + "\"");
    ASSERT_EQ(errors.size(), 1u) << roi;
    EXPECT_TRUE(contains(errors[0].text, std::string("roi \"") + roi + "\": " + why)) << errors[0].text;
  }
}

TEST_F(FailSafe, SeveralBadSettingsAreNamedInOneError) {
  auto errors = start_errors("roi=1,2 device=tpu precision=fp8 class=4294967296");
  ASSERT_EQ(errors.size(), 1u);
  const std::string& text = errors[0].text;
  EXPECT_TRUE(contains(text, "roi \"1,2\"")) << text;
  EXPECT_TRUE(contains(text, "device \"tpu\"")) << text;
  EXPECT_TRUE(contains(text, "precision \"fp8\"")) << text;
  EXPECT_TRUE(contains(text, "class id \"4294967296\" is out of range")) << text;
  EXPECT_EQ(start_errors("device=cuda:").size(), 1u);
}

TEST_F(FailSafe, RoiOutsideTheFramePostsExactlyOneError) {
  for (const char* roi : {"50,50,60,60", "150,0,100,10", "0,0,97,80"}) {
    PipelineRun run = run_pipeline(
        "videotestsrc num-buffers=5 ! video/x-raw,format=RGB,width=96,height=80,framerate=10/1 ! "
        "decodiffinspect name=inspect " +
        model_props() + " roi=" + roi + " ! fakesink name=sink");
    EXPECT_FALSE(run.eos) << roi;
    ASSERT_FALSE(run.errors.empty()) << roi;
    // ours comes first (what gst-launch prints); the source's own "streaming stopped" may follow
    EXPECT_EQ(run.errors[0].source, "inspect") << roi;
    EXPECT_EQ(count_from(run.errors, "inspect"), 1u) << roi;
    EXPECT_TRUE(contains(run.errors[0].text, "does not fit in the 96x80 frame")) << run.errors[0].text;
  }
}

TEST_F(FailSafe, RoiThatFitsIsInspected) {
  GstElement* e = make_element("overlay=none roi=\" 8, 4, 80 ,72\"");
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(0)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(m, nullptr);
  EXPECT_GE(m->map_frame_x, 8);
  EXPECT_GE(m->map_frame_y, 4);
  EXPECT_LE(m->map_frame_x + m->map_frame_width, 88);
  EXPECT_LE(m->map_frame_y + m->map_frame_height, 76);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}
