// Regions that arrive with the frames: decodiffinspect roi-types / class-map
// (suite UpstreamRegions) and the decodiffregions element that attaches them
// (suite RegionsElement).
#include <gst/video/gstvideometa.h>

#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

namespace {

GstVideoRegionOfInterestMeta* add_roi(GstBuffer* b, const char* type, int x, int y, int w, int h, int id) {
  GstVideoRegionOfInterestMeta* m = gst_buffer_add_video_region_of_interest_meta(b, type, x, y, w, h);
  m->id = id;
  return m;
}

std::vector<GstVideoRegionOfInterestMeta*> rois(GstBuffer* b) {
  std::vector<GstVideoRegionOfInterestMeta*> out;
  gpointer state = NULL;
  while (GstMeta* m = gst_buffer_iterate_meta_filtered(b, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    out.push_back(reinterpret_cast<GstVideoRegionOfInterestMeta*>(m));
  return out;
}

}  // namespace

TEST(UpstreamRegions, EachListedRegionIsInspectedWithItsClassAndGetsItsResult) {
  SKIP_WITHOUT_TINY_MODEL();
  GstElement* e =
      make_element("roi-types=part,bolt,gamma,nut class-map=part=alpha,bolt=1 threshold=0 overlay=none");
  BusWatch bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_harness_set_src_caps_str(h, caps_for("RGB").c_str());
  const auto rgb = rgb_pattern(kW, kH, 6);
  GstBuffer* in = make_buffer(caps_for("RGB"), rgb, 0, GST_SECOND / 10);
  add_roi(in, "part", 0, 0, 48, 40, 7);
  add_roi(in, "bolt", 48, 40, 48, 40, 8);
  add_roi(in, "gamma", 40, 20, 200, 30, 9);  // clipped to the frame: 40,20,56,30
  add_roi(in, "nut", 0, 40, 20, 20, 10);     // no class "nut": skipped, counted, warned
  add_roi(in, "screw", 0, 60, 20, 20, 11);   // not listed: ignored
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, in));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr);
  ASSERT_EQ(meta->n_inspections, 3u);
  const decodiff::ImageView view = decodiff::color_view(rgb.data(), kW, kH, kW * 3);
  const auto refs = reference_engine()->inspect({decodiff::InspectRequest{view, 0, {0, 0, 48, 40}},
                                                 decodiff::InspectRequest{view, 1, {48, 40, 48, 40}},
                                                 decodiff::InspectRequest{view, 2, {40, 20, 56, 30}}});
  const char* classes[3] = {"alpha", "beta", "gamma"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(meta->inspections[i].score, refs[i].score) << i;
    EXPECT_STREQ(meta->inspections[i].class_name, classes[i]);
  }
  EXPECT_EQ(meta->inspections[2].width, 56);
  // Results on the regions' own metas; anomalies (threshold 0) as their children.
  int with_result = 0, children = 0;
  for (GstVideoRegionOfInterestMeta* r : rois(out)) {
    const std::string type = g_quark_to_string(r->roi_type);
    GstStructure* s = gst_video_region_of_interest_meta_get_param(r, "decodiff");
    if (type == "anomaly") {
      ++children;
      EXPECT_TRUE(r->parent_id == 7 || r->parent_id == 8 || r->parent_id == 9) << r->parent_id;
      EXPECT_GT(r->id, 11);  // after every id already on the buffer
    } else if (s && gst_structure_has_field(s, "class")) {
      ++with_result;
      gboolean anomalous = FALSE;
      gst_structure_get_boolean(s, "anomalous", &anomalous);
      EXPECT_TRUE(anomalous);
    } else {
      EXPECT_TRUE(type == "nut" || type == "screw") << type;
    }
  }
  EXPECT_EQ(with_result, 3);
  EXPECT_GE(children, 3);
  guint64 skipped = 0;
  g_object_get(e, "regions-skipped", &skipped, NULL);
  EXPECT_EQ(skipped, 1u);
  bool warned = false;
  for (GstMessage* m : bus.pop_all(GST_MESSAGE_WARNING)) {
    GError* err = NULL;
    gst_message_parse_warning(m, &err, NULL);
    warned = warned || std::string(err->message).find("\"nut\"") != std::string::npos;
    g_error_free(err);
    gst_message_unref(m);
  }
  EXPECT_TRUE(warned);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
  gst_object_unref(e);
}

TEST(UpstreamRegions, AFrameWithoutListedRegionsGetsNoResult) {
  SKIP_WITHOUT_TINY_MODEL();
  decodiff::testing::TempDir dir("upstream");
  const std::string results = dir.file("results.jsonl");
  GstHarness* h = make_harness("roi-types=part class-map=part=alpha results-location=\"" + results + "\"",
                               caps_for("RGB"));
  GstBuffer* with = make_buffer(caps_for("RGB"), rgb_pattern(kW, kH, 1), 0, GST_SECOND / 10);
  add_roi(with, "part", 10, 10, 40, 40, 0);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, with));
  GstBuffer* first = gst_harness_pull(h);
  EXPECT_NE(gst_buffer_get_decodiff_meta(first), nullptr);
  gst_buffer_unref(first);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps_for("RGB"), rgb_pattern(kW, kH, 2),
                                                         GST_SECOND / 10, GST_SECOND / 10)));
  GstBuffer* second = gst_harness_pull(h);
  EXPECT_EQ(gst_buffer_get_decodiff_meta(second), nullptr);  // nothing inspected: no result, not a stale one
  gst_buffer_unref(second);
  gst_harness_teardown(h);
  const auto lines = read_lines(results);
  ASSERT_EQ(lines.size(), 1u);
  const auto j = nlohmann::json::parse(lines[0]);
  ASSERT_EQ(j["inspections"].size(), 1u);  // upstream regions are always listed
  EXPECT_EQ(j["inspections"][0]["region"]["x"], 10);
}

TEST(UpstreamRegions, SettingsThatCannotWorkStopTheStart) {
  SKIP_WITHOUT_TINY_MODEL();
  for (const char* props : {"roi-types=part roi=0,0,10,10", "class-map=part=alpha",
                            "roi-types=part class-map=part", "roi-types=part class-map=part=delta"}) {
    GstElement* e = make_element(props);
    BusWatch bus(e);
    EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE) << props;
    EXPECT_FALSE(bus.error_text().empty()) << props;
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
}

TEST(RegionsElement, FixedAndLabelledRegionsReachTheInspector) {
  SKIP_WITHOUT_TINY_MODEL();
  decodiff::testing::TempDir dir("regions-element");
  const std::string labels = dir.file("labels.json"), results = dir.file("results.jsonl");
  std::ofstream(labels) << R"({"category":"nut","parts":[{"id":1,"frames":[)"
                        << R"({"frame":1,"part_box":[50,10,30,30],"defect_box":null},)"
                        << R"({"frame":2,"part_box":[90,10,30,30],"defect_box":null}]}]})";
  const std::string desc =
      "videotestsrc num-buffers=3 ! video/x-raw,format=RGB,width=96,height=80 ! "
      "decodiffregions regions=\"0,0,40,40@station\" location=\"" +
      labels + "\" ! decodiffinspect model=\"" + tiny_model() +
      "\" device=cpu roi-types=station,part class-map=station=alpha,part=beta results-location=\"" + results +
      "\" ! fakesink";
  GstElement* pipeline = gst_parse_launch(desc.c_str(), NULL);
  ASSERT_NE(pipeline, nullptr);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg =
      gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_EOS);
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  const auto lines = read_lines(results);
  ASSERT_EQ(lines.size(), 3u);
  const size_t expected[3] = {1, 2,
                              2};  // the station; plus the part in frames 1 and 2 (clipped to 6 px wide)
  for (size_t i = 0; i < 3; ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    ASSERT_EQ(j["inspections"].size(), expected[i]) << lines[i];
    EXPECT_EQ(j["inspections"][0]["class"], "alpha");
    if (i > 0) {
      EXPECT_EQ(j["inspections"][1]["class"], "beta");
    }
  }
  EXPECT_EQ(nlohmann::json::parse(lines[2])["inspections"][1]["region"]["w"], 6);
}

TEST(RegionsElement, ABadLabelsFileStopsTheStartWithOneLine) {
  decodiff::testing::TempDir dir("regions-bad");
  const std::string labels = dir.file("labels.json");
  std::ofstream(labels) << R"({"parts":[{"frames":[{"frame":-1,"part_box":[0,0,1,1]}]}]})";
  GstElement* e = gst_parse_launch(("decodiffregions location=\"" + labels + "\"").c_str(), NULL);
  BusWatch bus(e);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  const std::string text = bus.error_text();
  EXPECT_NE(text.find("parts[0].frames[0].frame = -1 is out of range"), std::string::npos) << text;
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
}
