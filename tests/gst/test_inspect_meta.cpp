// decodiffinspect's outputs against the engine (suite Meta): GstDecodiffMeta, ROI metas, bus
// messages and the JSONL log.
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

namespace {

// Independent region finder for the checks: 8-connected flood fill.
std::vector<GstDecodiffRegion> flood_regions(const at::Tensor& frame_map, int ox, int oy, float thr) {
  at::Tensor m = frame_map.contiguous();
  const int h = m.size(0), w = m.size(1);
  const float* v = m.data_ptr<float>();
  std::vector<int> seen(static_cast<size_t>(w) * h, 0);
  std::vector<GstDecodiffRegion> out;
  for (int y0 = 0; y0 < h; ++y0)
    for (int x0 = 0; x0 < w; ++x0) {
      if (seen[y0 * w + x0] || v[y0 * w + x0] < thr) continue;
      int x1 = x0, x2 = x0, y1 = y0, y2 = y0;
      float best = 0;
      std::deque<std::pair<int, int>> q{{x0, y0}};
      seen[y0 * w + x0] = 1;
      while (!q.empty()) {
        auto [x, y] = q.front();
        q.pop_front();
        x1 = std::min(x1, x), x2 = std::max(x2, x), y1 = std::min(y1, y), y2 = std::max(y2, y);
        best = std::max(best, v[y * w + x]);
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            int nx = x + dx, ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h || seen[ny * w + nx] || v[ny * w + nx] < thr) continue;
            seen[ny * w + nx] = 1;
            q.push_back({nx, ny});
          }
      }
      out.push_back(GstDecodiffRegion{x1 + ox, y1 + oy, x2 - x1 + 1, y2 - y1 + 1, best});
    }
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.score > b.score; });
  return out;
}

}  // namespace

TEST(Meta, ScoreMapAndClassEqualTheEngine) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for("RGB");
  GstHarness* h = make_harness("class=gamma overlay=none", caps);
  for (int seed : {1, 5}) {
    auto rgb = rgb_pattern(kW, kH, seed);
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb, seed * GST_SECOND, GST_SECOND / 10)));
    GstBuffer* out = gst_harness_pull(h);
    GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
    ASSERT_NE(meta, nullptr);
    auto ref = reference(rgb, kW, kH, 2);
    EXPECT_EQ(meta->score, ref.score) << "seed " << seed;
    expect_map_equals(meta, ref);
    EXPECT_EQ(meta->class_id, 2);
    EXPECT_STREQ(meta->class_name, "gamma");
    EXPECT_EQ(meta->inspected_pts, static_cast<GstClockTime>(seed * GST_SECOND));
    EXPECT_FALSE(meta->stale);
    EXPECT_GT(meta->latency_ms, 0.0);
    // Without calibration in the tiny model the documented fallback applies.
    EXPECT_FLOAT_EQ(meta->threshold, reference_engine()->image_threshold().value_or(0.5));
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
}

// A model calibrated per class: the element's alarm threshold is its class's
// own, the global one for a class without its own, and the property when set.
TEST(Meta, PerClassCalibrationSetsTheClassThreshold) {
  SKIP_WITHOUT_TINY_MODEL();
  auto content = decodiff::io::read_safetensors(tiny_model());
  auto meta_json = nlohmann::json::parse(content.metadata.at("decodiff"));
  meta_json["calibration"] = {
      {"image_threshold", 0.3},
      {"pixel_threshold", 0.4},
      {"method", "f1-optimal"},
      {"per_class", {{"gamma", {{"image_threshold", 0.17}, {"pixel_threshold", 0.2}}}}}};
  content.metadata["decodiff"] = meta_json.dump();
  const std::string model = std::string(g_get_tmp_dir()) + "/decodiff-per-class-" +
                            std::to_string(static_cast<long>(getpid())) + ".safetensors";
  decodiff::io::write_safetensors(model, content.tensors, content.metadata);
  const std::string caps = caps_for("RGB");
  for (const auto& [props, expected] : std::vector<std::pair<std::string, double>>{
           {"class=gamma", 0.17}, {"class=alpha", 0.3}, {"class=gamma threshold=0.6", 0.6}}) {
    const std::string desc = "decodiffinspect model=\"" + model + "\" device=cpu overlay=none " + props;
    GError* err = NULL;
    GstElement* e = gst_parse_launch(desc.c_str(), &err);
    ASSERT_EQ(err, nullptr) << (err ? err->message : "");
    GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
    gst_object_unref(e);
    gst_harness_set_src_caps_str(h, caps.c_str());
    ASSERT_EQ(GST_FLOW_OK,
              gst_harness_push(h, make_buffer(caps, rgb_pattern(kW, kH, 3), 0, GST_SECOND / 10)));
    GstBuffer* out = gst_harness_pull(h);
    GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_FLOAT_EQ(meta->threshold, expected) << props;
    EXPECT_EQ(meta->anomalous, meta->score >= meta->threshold) << props;
    gst_buffer_unref(out);
    gst_harness_teardown(h);
  }
  std::remove(model.c_str());
}

TEST(Meta, RoiIsInspectedAndMappedBackToFrameCoordinates) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for("BGRx", 160, 120);
  GstHarness* h = make_harness("roi=40,20,90,80 overlay=heatmap threshold=0", caps);
  auto rgb = rgb_pattern(160, 120, 7);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb, 0, GST_SECOND / 10)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr);
  auto ref = reference(rgb, 160, 120, 0, decodiff::Rect{40, 20, 90, 80});
  EXPECT_EQ(meta->score, ref.score);
  expect_map_equals(meta, ref);
  EXPECT_GE(meta->map_frame_x, 40);
  EXPECT_GE(meta->map_frame_y, 20);
  EXPECT_LE(meta->map_frame_x + meta->map_frame_width, 130);
  EXPECT_LE(meta->map_frame_y + meta->map_frame_height, 100);
  // threshold 0: everything inspected is "anomalous", one region = the ROI.
  ASSERT_EQ(meta->n_regions, 1u);
  EXPECT_EQ(meta->regions[0].x, 40);
  EXPECT_EQ(meta->regions[0].y, 20);
  EXPECT_EQ(meta->regions[0].width, 90);
  EXPECT_EQ(meta->regions[0].height, 80);
  // The heatmap changed pixels inside the mapped area and none outside the ROI.
  GstBuffer* plain = make_buffer(caps, rgb, 0, 0);
  GstMapInfo a, b;
  gst_buffer_map(out, &a, GST_MAP_READ);
  gst_buffer_map(plain, &b, GST_MAP_READ);
  const int cx = meta->map_frame_x + meta->map_frame_width / 2,
            cy = meta->map_frame_y + meta->map_frame_height / 2;
  EXPECT_NE(0, std::memcmp(a.data + cy * 640 + cx * 4, b.data + cy * 640 + cx * 4, 3));
  const int ox = 150, oy = 110;  // outside the ROI and away from the label
  EXPECT_EQ(0, std::memcmp(a.data + oy * 640 + ox * 4, b.data + oy * 640 + ox * 4, 4));
  gst_buffer_unmap(out, &a);
  gst_buffer_unmap(plain, &b);
  gst_buffer_unref(plain);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(Meta, RoiMetasBusMessagesAndJsonlAgreeWithTheMeta) {
  SKIP_WITHOUT_TINY_MODEL();
  auto rgb = rgb_pattern(kW, kH, 2);
  auto ref = reference(rgb, kW, kH);
  // A threshold between the map's median and its maximum gives real components.
  at::Tensor fm = ref.frame_map.flatten();
  const float thr = 0.5f * (ref.score + fm.median().item<float>());
  auto expected = flood_regions(ref.frame_map, ref.inspected.x, ref.inspected.y, thr);
  ASSERT_GE(expected.size(), 1u);

  const std::string jsonl = scratch("jsonl");
  const std::string caps = caps_for("RGB");
  char props[512];
  std::snprintf(props, sizeof(props), "threshold=%.9g message=all overlay=contour results-location=\"%s\"",
                thr, jsonl.c_str());
  GstElement* e = make_element(props);
  BusWatch bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps.c_str());
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb, 5 * GST_MSECOND, GST_SECOND / 10)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr);
  EXPECT_TRUE(meta->anomalous);
  EXPECT_FLOAT_EQ(meta->threshold, thr);

  // meta regions == independent flood fill of the engine's frame map
  ASSERT_EQ(meta->n_regions, expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(meta->regions[i].x, expected[i].x) << i;
    EXPECT_EQ(meta->regions[i].y, expected[i].y) << i;
    EXPECT_EQ(meta->regions[i].width, expected[i].width) << i;
    EXPECT_EQ(meta->regions[i].height, expected[i].height) << i;
    EXPECT_EQ(meta->regions[i].score, expected[i].score) << i;
  }
  EXPECT_EQ(meta->regions[0].score,
            *std::max_element(fm.data_ptr<float>(), fm.data_ptr<float>() + fm.numel()));

  // one GstVideoRegionOfInterestMeta per region
  std::vector<GstVideoRegionOfInterestMeta*> rois;
  gpointer state = NULL;
  while (GstMeta* m =
             gst_buffer_iterate_meta_filtered(out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    rois.push_back(reinterpret_cast<GstVideoRegionOfInterestMeta*>(m));
  ASSERT_EQ(rois.size(), meta->n_regions);
  for (size_t i = 0; i < rois.size(); ++i) {
    EXPECT_STREQ(g_quark_to_string(rois[i]->roi_type), "anomaly");
    EXPECT_EQ(static_cast<gint>(rois[i]->x), meta->regions[i].x);
    EXPECT_EQ(static_cast<gint>(rois[i]->y), meta->regions[i].y);
    EXPECT_EQ(static_cast<gint>(rois[i]->w), meta->regions[i].width);
    EXPECT_EQ(static_cast<gint>(rois[i]->h), meta->regions[i].height);
    GstStructure* p = gst_video_region_of_interest_meta_get_param(rois[i], "decodiff");
    ASSERT_NE(p, nullptr);
    gdouble score = 0;
    ASSERT_TRUE(gst_structure_get_double(p, "score", &score));
    EXPECT_EQ(static_cast<float>(score), meta->regions[i].score);
  }

  // the bus message
  auto msgs = bus.pop_all(GST_MESSAGE_ELEMENT);
  ASSERT_EQ(msgs.size(), 1u);
  const GstStructure* s = gst_message_get_structure(msgs[0]);
  EXPECT_TRUE(gst_structure_has_name(s, "decodiff-inspect"));
  guint64 frame = 99, pts = 0;
  gdouble score = 0;
  gboolean anomalous = FALSE;
  ASSERT_TRUE(gst_structure_get(s, "frame", G_TYPE_UINT64, &frame, "pts", G_TYPE_UINT64, &pts, "score",
                                G_TYPE_DOUBLE, &score, "anomalous", G_TYPE_BOOLEAN, &anomalous, NULL));
  EXPECT_EQ(frame, 0u);
  EXPECT_EQ(pts, 5 * GST_MSECOND);
  EXPECT_EQ(static_cast<float>(score), meta->score);
  EXPECT_TRUE(anomalous);
  EXPECT_STREQ(gst_structure_get_string(s, "class"), "alpha");
  const GValue* regions = gst_structure_get_value(s, "regions");
  ASSERT_TRUE(GST_VALUE_HOLDS_ARRAY(regions));
  ASSERT_EQ(gst_value_array_get_size(regions), meta->n_regions);
  for (guint i = 0; i < meta->n_regions; ++i) {
    const GstStructure* r = gst_value_get_structure(gst_value_array_get_value(regions, i));
    gint x, y, w, hh;
    gdouble rs;
    ASSERT_TRUE(gst_structure_get(r, "x", G_TYPE_INT, &x, "y", G_TYPE_INT, &y, "w", G_TYPE_INT, &w, "h",
                                  G_TYPE_INT, &hh, "score", G_TYPE_DOUBLE, &rs, NULL));
    EXPECT_EQ(x, meta->regions[i].x);
    EXPECT_EQ(y, meta->regions[i].y);
    EXPECT_EQ(w, meta->regions[i].width);
    EXPECT_EQ(hh, meta->regions[i].height);
    EXPECT_EQ(static_cast<float>(rs), meta->regions[i].score);
  }
  for (GstMessage* m : msgs) gst_message_unref(m);

  // the JSON line: keys in contract order, values equal to the meta
  auto lines = read_lines(jsonl);
  ASSERT_EQ(lines.size(), 1u);
  auto j = nlohmann::ordered_json::parse(lines[0]);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"frame", "pts", "score", "anomalous", "threshold", "class",
                                            "regions", "latency_ms"}));
  EXPECT_EQ(j["frame"].get<int>(), 0);
  EXPECT_EQ(j["pts"].get<int64_t>(), 5 * static_cast<int64_t>(GST_MSECOND));
  EXPECT_EQ(j["score"].get<float>(), meta->score);
  EXPECT_EQ(j["anomalous"].get<bool>(), true);
  EXPECT_EQ(j["threshold"].get<float>(), meta->threshold);
  EXPECT_EQ(j["class"].get<std::string>(), "alpha");
  ASSERT_EQ(j["regions"].size(), meta->n_regions);
  for (guint i = 0; i < meta->n_regions; ++i) {
    EXPECT_EQ(j["regions"][i]["x"].get<int>(), meta->regions[i].x);
    EXPECT_EQ(j["regions"][i]["y"].get<int>(), meta->regions[i].y);
    EXPECT_EQ(j["regions"][i]["w"].get<int>(), meta->regions[i].width);
    EXPECT_EQ(j["regions"][i]["h"].get<int>(), meta->regions[i].height);
    EXPECT_EQ(j["regions"][i]["score"].get<float>(), meta->regions[i].score);
  }
  EXPECT_NEAR(j["latency_ms"].get<double>(), meta->latency_ms, 1e-3);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(Meta, NormalFramesHaveNoRegionsAndPostNoMessageByDefault) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string caps = caps_for("RGB");
  GstElement* e = make_element("threshold=1.0");
  BusWatch bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps.c_str());
  auto rgb = rgb_pattern(kW, kH, 4);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb, 0, GST_SECOND / 10)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr);
  ASSERT_LT(meta->score, 1.0f);
  EXPECT_FALSE(meta->anomalous);
  EXPECT_EQ(meta->n_regions, 0u);
  EXPECT_EQ(gst_buffer_get_n_meta(out, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE), 0u);
  EXPECT_TRUE(bus.pop_all(GST_MESSAGE_ELEMENT).empty());  // message=anomalies is the default
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}
