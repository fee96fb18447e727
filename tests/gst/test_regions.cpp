// Several inspected regions per frame, each with its own class and threshold
// (roi="x,y,w,h@class:threshold;...") (suite Regions).
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

namespace {

constexpr int kFw = 160, kFh = 120;
const decodiff::Rect kLeft{0, 0, 80, 60}, kRight{80, 60, 80, 60};
const char* const kTwoStations = "roi=\"0,0,80,60@alpha;80,60,80,60@gamma:0.9\"";

}  // namespace

TEST(Regions, EachRegionIsInspectedWithItsOwnClassAndThreshold) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for("RGB", kFw, kFh);
  GstHarness* h = make_harness(std::string(kTwoStations) + " threshold=0.3 overlay=heatmap", caps);
  const auto rgb = rgb_pattern(kFw, kFh, 3);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb, 0, GST_SECOND / 10)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr);
  ASSERT_EQ(meta->n_inspections, 2u);
  // The reference: both regions in one engine call, as the element batches them.
  const auto refs = reference_engine()->inspect(
      {decodiff::InspectRequest{decodiff::color_view(rgb.data(), kFw, kFh, kFw * 3), 0, kLeft},
       decodiff::InspectRequest{decodiff::color_view(rgb.data(), kFw, kFh, kFw * 3), 2, kRight}});
  ASSERT_EQ(refs.size(), 2u);
  const decodiff::InspectResult &left = refs[0], &right = refs[1];
  const GstDecodiffInspection* a = gst_decodiff_meta_get_inspection(meta, 0);
  const GstDecodiffInspection* b = gst_decodiff_meta_get_inspection(meta, 1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(gst_decodiff_meta_get_inspection(meta, 2), nullptr);
  EXPECT_EQ((decodiff::Rect{a->x, a->y, a->width, a->height}), kLeft);
  EXPECT_EQ((decodiff::Rect{b->x, b->y, b->width, b->height}), kRight);
  EXPECT_EQ(a->class_id, 0);
  EXPECT_STREQ(a->class_name, "alpha");
  EXPECT_EQ(b->class_id, 2);
  EXPECT_STREQ(b->class_name, "gamma");
  EXPECT_EQ(a->score, left.score);  // exactly the engine's numbers on that region and class
  EXPECT_EQ(b->score, right.score);
  EXPECT_FLOAT_EQ(a->threshold, 0.3f);  // the element's threshold
  EXPECT_FLOAT_EQ(b->threshold, 0.9f);  // the region's own
  EXPECT_EQ(a->anomalous, a->score >= 0.3f);
  EXPECT_EQ(b->anomalous, b->score >= 0.9f);
  ASSERT_EQ(a->map_width * a->map_height, left.anomaly_map.numel());
  EXPECT_EQ(0, std::memcmp(a->map_data, left.anomaly_map.contiguous().data_ptr<float>(),
                           sizeof(float) * left.anomaly_map.numel()));
  EXPECT_EQ(a->map_frame_x, left.crop_in_frame.x);
  EXPECT_EQ(b->map_frame_y, right.crop_in_frame.y);
  // The frame's own fields sum the regions up.
  EXPECT_EQ(meta->score, std::max(left.score, right.score));
  EXPECT_EQ(meta->anomalous, a->anomalous || b->anomalous);
  EXPECT_EQ(meta->n_regions, a->n_regions + b->n_regions);
  EXPECT_STREQ(meta->class_name, left.score >= right.score ? "alpha" : "gamma");
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(Regions, JsonLinesAndBusMessagesListEveryRegion) {
  SKIP_WITHOUT_TINY_MODEL();
  decodiff::testing::TempDir dir("regions");
  const std::string results = dir.file("results.jsonl");
  const std::string caps = caps_for("RGB", kFw, kFh);
  GstElement* e = make_element(std::string(kTwoStations) + " threshold=0 message=all results-location=\"" +
                               results + "\"");
  BusWatch bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps.c_str());
  const auto rgb = rgb_pattern(kFw, kFh, 4);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb, 0, GST_SECOND / 10)));
  gst_buffer_unref(gst_harness_pull(h));
  gst_harness_teardown(h);

  const auto lines = read_lines(results);
  ASSERT_EQ(lines.size(), 1u);
  const auto j = nlohmann::json::parse(lines[0]);
  ASSERT_TRUE(j.contains("inspections"));
  ASSERT_EQ(j["inspections"].size(), 2u);
  const auto& first = j["inspections"][0];
  EXPECT_EQ(first["region"]["x"], 0);
  EXPECT_EQ(first["region"]["w"], 80);
  EXPECT_EQ(first["class"], "alpha");
  EXPECT_EQ(j["inspections"][1]["class"], "gamma");
  EXPECT_DOUBLE_EQ(j["inspections"][1]["threshold"].get<double>(), 0.9);
  EXPECT_EQ(j["anomalous"], true);  // threshold 0 on the first region
  const double top = std::max(first["score"].get<double>(), j["inspections"][1]["score"].get<double>());
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), top);

  int messages = 0;
  for (GstMessage* m : bus.pop_all(GST_MESSAGE_ELEMENT)) {
    const GstStructure* s = gst_message_get_structure(m);
    if (gst_structure_has_name(s, "decodiff-inspect")) {
      ++messages;
      const GValue* list = gst_structure_get_value(s, "inspections");
      ASSERT_NE(list, nullptr);
      ASSERT_EQ(gst_value_array_get_size(list), 2u);
      const GstStructure* second = gst_value_get_structure(gst_value_array_get_value(list, 1));
      EXPECT_STREQ(gst_structure_get_string(second, "class"), "gamma");
      gint x = -1;
      EXPECT_TRUE(gst_structure_get_int(second, "x", &x));
      EXPECT_EQ(x, 80);
    }
    gst_message_unref(m);
  }
  EXPECT_EQ(messages, 1);
}

TEST(Regions, OneRegionKeepsTheFieldsReadersKnow) {
  SKIP_WITHOUT_TINY_MODEL();
  decodiff::testing::TempDir dir("regions-one");
  const std::string results = dir.file("results.jsonl");
  const std::string caps = caps_for("RGB", kFw, kFh);
  GstHarness* h = make_harness("roi=\"10,10,64,48@beta\" results-location=\"" + results + "\"", caps);
  const auto rgb = rgb_pattern(kFw, kFh, 5);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb, 0, GST_SECOND / 10)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr);
  ASSERT_EQ(meta->n_inspections, 1u);
  EXPECT_EQ(meta->inspections[0].score, meta->score);
  EXPECT_EQ(meta->class_id, 1);
  EXPECT_EQ(meta->score, reference(rgb, kFw, kFh, 1, decodiff::Rect{10, 10, 64, 48}).score);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
  const auto lines = read_lines(results);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(nlohmann::json::parse(lines[0]).contains("inspections")) << lines[0];
}

TEST(Regions, ARegionOutsideTheFrameIsOneErrorNamingIt) {
  SKIP_WITHOUT_TINY_MODEL();
  GstElement* e = make_element("roi=\"0,0,40,40;50,50,60,60\"");
  BusWatch bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  push_caps_and_segment(h, caps_for("RGB", 96, 80));
  EXPECT_EQ(GST_FLOW_NOT_NEGOTIATED,
            gst_harness_push(h, make_buffer(caps_for("RGB", 96, 80), rgb_pattern(96, 80, 0), 0, 1)));
  const std::string text = bus.error_text();
  EXPECT_NE(text.find("region 2: roi 50,50,60,60 does not fit in the 96x80 frame"), std::string::npos)
      << text;
  gst_harness_teardown(h);
}

TEST(Regions, AnUnknownClassInTheListIsRefusedAtStart) {
  SKIP_WITHOUT_TINY_MODEL();
  GstElement* e = make_element("roi=\"0,0,40,40@alpha;50,0,40,40@delta\"");
  BusWatch bus(e);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  const std::string text = bus.error_text();
  EXPECT_NE(text.find("delta"), std::string::npos) << text;
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
}
