// decodiffinspect fails safe (suite FailSafe), item 2: a non-finite result is never "ok".
#include "failsafe_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::failsafe_test;
using decodiff::gst::Inspection;

// NaN is made at run time through the element's inspection hook: a model file
// with non-finite weights is refused at load, and huge finite weights that
// overflow would depend on the input and on the device's arithmetic.

TEST_F(FailSafe, NonFiniteScoreIsAnAnomalousErrorInEveryOutput) {
  decodiff::gst::set_inspection_hook([](Inspection& in, uint64_t frame) {
    if (frame == 1) poison(in);
  });
  const std::string jsonl = scratch("jsonl");
  GstElement* e = make_element("message=all overlay=heatmap threshold=0.99 name=station results-location=\"" +
                               jsonl + "\"");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  std::vector<GstBuffer*> out;
  for (guint64 i = 0; i < 3; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(i)));
    out.push_back(gst_harness_pull(h));
  }

  // the meta
  for (guint64 i = 0; i < 3; ++i) {
    GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(out[i]);
    ASSERT_NE(m, nullptr);
    if (i != 1) {
      EXPECT_EQ(m->error, nullptr) << i;
      EXPECT_TRUE(std::isfinite(m->score)) << i;
      EXPECT_FALSE(m->anomalous) << "threshold 0.99, frame " << i;
      continue;
    }
    EXPECT_TRUE(m->anomalous);
    EXPECT_STREQ(m->error, "non-finite score");
    EXPECT_TRUE(std::isnan(m->score));
    EXPECT_STREQ(m->producer, "station");
    ASSERT_EQ(m->n_regions, 1u);  // the whole inspected rectangle
    EXPECT_EQ(m->regions[0].x, 0);
    EXPECT_EQ(m->regions[0].y, 0);
    EXPECT_EQ(m->regions[0].width, kW);
    EXPECT_EQ(m->regions[0].height, kH);
  }
  // the ROI meta: one, with the error, so that GstVideo-only readers see an anomaly
  EXPECT_EQ(gst_buffer_get_n_meta(out[0], GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE), 0u);
  ASSERT_EQ(gst_buffer_get_n_meta(out[1], GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE), 1u);
  GstVideoRegionOfInterestMeta* roi = gst_buffer_get_video_region_of_interest_meta_id(out[1], 0);
  ASSERT_NE(roi, nullptr);
  EXPECT_EQ(roi->w, static_cast<guint>(kW));
  GstStructure* param = gst_video_region_of_interest_meta_get_param(roi, "decodiff");
  ASSERT_NE(param, nullptr);
  EXPECT_STREQ(gst_structure_get_string(param, "error"), "non-finite score");
  EXPECT_STREQ(gst_structure_get_string(param, "producer"), "station");
  // the overlay: a red frame around the inspected rectangle instead of a NaN heatmap
  GstMapInfo map;
  ASSERT_TRUE(gst_buffer_map(out[1], &map, GST_MAP_READ));
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, kW, kH);
  const guint8* left = map.data + 60 * GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  EXPECT_EQ(left[0], 255);
  EXPECT_EQ(left[1], 0);
  EXPECT_EQ(left[2], 0);
  gst_buffer_unmap(out[1], &map);

  // the bus: one message per frame, the failed one anomalous with an error field; one warning
  std::vector<GstMessage*> msgs = bus.pop_all(GST_MESSAGE_ELEMENT);
  ASSERT_EQ(msgs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const GstStructure* s = gst_message_get_structure(msgs[i]);
    gboolean anomalous = FALSE;
    gdouble score = 0;
    ASSERT_TRUE(gst_structure_get_boolean(s, "anomalous", &anomalous));
    ASSERT_TRUE(gst_structure_get_double(s, "score", &score));
    EXPECT_EQ(anomalous, i == 1) << i;
    EXPECT_EQ(std::isnan(score), i == 1) << i;
    EXPECT_EQ(gst_structure_has_field(s, "error"), i == 1) << i;
    if (i == 1) {
      EXPECT_STREQ(gst_structure_get_string(s, "error"), "non-finite score");
    }
    gst_message_unref(msgs[i]);
  }
  auto warnings = take(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0].text, "frame 1")) << warnings[0].text;
  EXPECT_TRUE(contains(warnings[0].text, "non-finite score")) << warnings[0].text;
  EXPECT_TRUE(take(bus, GST_MESSAGE_ERROR).empty());

  // JSONL: valid JSON on every line, the contract's keys in order, "error" appended
  auto lines = read_lines(jsonl);
  ASSERT_EQ(lines.size(), 3u);
  const std::vector<std::string> contract = {"frame",     "pts",   "score",   "anomalous",
                                             "threshold", "class", "regions", "latency_ms"};
  for (size_t i = 0; i < 3; ++i) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(lines[i]);  // throws on NaN
    std::vector<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
    std::vector<std::string> expected = contract;
    if (i == 1) expected.push_back("error");
    EXPECT_EQ(keys, expected) << lines[i];
    EXPECT_EQ(j["anomalous"].get<bool>(), i == 1) << lines[i];
  }
  auto bad = nlohmann::json::parse(lines[1]);
  EXPECT_TRUE(bad["score"].is_null()) << lines[1];
  EXPECT_EQ(bad["error"], "non-finite score");
  ASSERT_EQ(bad["regions"].size(), 1u);
  EXPECT_EQ(bad["regions"][0]["w"], kW);
  EXPECT_TRUE(bad["regions"][0]["score"].is_null());

  for (GstBuffer* b : out) gst_buffer_unref(b);
  gst_harness_teardown(h);
}

TEST_F(FailSafe, NonFiniteMapWithAFiniteScoreIsAnErrorToo) {
  decodiff::gst::set_inspection_hook([](Inspection& in, uint64_t) {
    in.frame_map.at<float>(3, 4) = std::numeric_limits<float>::infinity();
  });
  GstElement* e = make_element("overlay=none threshold=0.99");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(0)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(std::isfinite(m->score));
  EXPECT_LT(m->score, 0.99f);
  EXPECT_TRUE(m->anomalous);
  EXPECT_STREQ(m->error, "non-finite anomaly map");
  EXPECT_EQ(take(bus, GST_MESSAGE_WARNING).size(), 1u);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST_F(FailSafe, ConsecutiveErrorsStopTheStreamAndAGoodFrameResetsTheCount) {
  // frames 1, 2 fail, 3 is good, 4, 5, 6 fail: the third failure in a row stops
  decodiff::gst::set_inspection_hook([](Inspection& in, uint64_t frame) {
    if (frame != 0 && frame != 3) poison(in);
  });
  GstElement* e = make_element("overlay=none max-consecutive-errors=3");
  guint limit = 0;
  g_object_get(e, "max-consecutive-errors", &limit, NULL);
  EXPECT_EQ(limit, 3u);
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  for (guint64 i = 0; i < 6; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(i))) << "frame " << i;
    gst_buffer_unref(gst_harness_pull(h));
  }
  EXPECT_TRUE(take(bus, GST_MESSAGE_ERROR).empty());
  EXPECT_EQ(GST_FLOW_ERROR, gst_harness_push(h, frame(6)));
  auto errors = take(bus, GST_MESSAGE_ERROR);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(contains(errors[0].text, "3 inspections in a row failed (last: frame 6, non-finite score)"))
      << errors[0].text;
  EXPECT_EQ(take(bus, GST_MESSAGE_WARNING).size(), 5u);
  gst_harness_teardown(h);
}

TEST_F(FailSafe, DefaultLimitIsFiveAndZeroNeverStops) {
  decodiff::gst::set_inspection_hook([](Inspection& in, uint64_t) { poison(in); });
  GstElement* plain = gst_element_factory_make("decodiffinspect", NULL);
  guint limit = 0;
  g_object_get(plain, "max-consecutive-errors", &limit, NULL);
  EXPECT_EQ(limit, 5u);
  gst_object_unref(plain);

  GstElement* e = make_element("overlay=none max-consecutive-errors=0");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  for (guint64 i = 0; i < 8; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(i))) << "frame " << i;
    GstBuffer* out = gst_harness_pull(h);
    EXPECT_TRUE(gst_buffer_get_decodiff_meta(out)->anomalous);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(take(bus, GST_MESSAGE_WARNING).size(), 8u);
  EXPECT_TRUE(take(bus, GST_MESSAGE_ERROR).empty());
  gst_harness_teardown(h);
}
