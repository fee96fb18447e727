// decodiffinspect through GstHarness: caps, properties, metadata against the
// engine, outputs (ROI metas, bus messages, JSONL), modes, errors, cycles.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <gst/decodiff/decodiffmeta.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "engine.h"
#include "gst_test_util.h"
#include "io/safetensors.h"

using namespace decodiff::gst_test;

namespace {

class GstInit : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(NULL, NULL); }
};
[[maybe_unused]] ::testing::Environment* const gst_env = ::testing::AddGlobalTestEnvironment(new GstInit);

constexpr int kW = 96, kH = 80;

std::string caps_for(const std::string& format, int w = kW, int h = kH, int fps = 10) {
  return "video/x-raw,format=" + format + ",width=" + std::to_string(w) + ",height=" + std::to_string(h) +
         ",framerate=" + std::to_string(fps) + "/1";
}

GstElement* make_element(const std::string& props = "") {
  std::string desc = "decodiffinspect model=\"" + tiny_model() + "\" device=cpu " + props;
  GError* err = NULL;
  GstElement* e = gst_parse_launch(desc.c_str(), &err);
  EXPECT_EQ(err, nullptr) << (err ? err->message : "");
  if (err) g_error_free(err);
  return e;
}

// A harness around a configured element (the harness plays it at once).
GstHarness* make_harness(const std::string& props, const std::string& caps) {
  GstElement* e = make_element(props);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps.c_str());
  return h;
}

// The reference: decodiff::Engine::inspect on the same pixels, on CPU.
std::shared_ptr<decodiff::Engine> reference_engine() {
  static std::shared_ptr<decodiff::Engine> engine = decodiff::Engine::load(tiny_model(), {"cpu"});
  return engine;
}

decodiff::InspectResult reference(const std::vector<uint8_t>& rgb, int w, int h, int class_id = 0,
                                  decodiff::Rect roi = {}) {
  decodiff::InspectRequest rq;
  rq.frame.data = rgb.data();
  rq.frame.width = w;
  rq.frame.height = h;
  rq.frame.row_stride = w * 3;
  rq.frame.pixel_stride = 3;
  rq.class_id = class_id;
  rq.roi = roi;
  return reference_engine()->inspect({rq}).front();
}

void expect_map_equals(const GstDecodiffMeta* meta, const decodiff::InspectResult& ref) {
  at::Tensor m = ref.anomaly_map.contiguous();
  ASSERT_EQ(meta->map_height, m.size(0));
  ASSERT_EQ(meta->map_width, m.size(1));
  ASSERT_NE(meta->map_data, nullptr);
  EXPECT_EQ(0, std::memcmp(meta->map_data, m.data_ptr<float>(), sizeof(float) * m.numel()));
  EXPECT_EQ(meta->map_frame_x, ref.crop_in_frame.x);
  EXPECT_EQ(meta->map_frame_y, ref.crop_in_frame.y);
  EXPECT_EQ(meta->map_frame_width, ref.crop_in_frame.width);
  EXPECT_EQ(meta->map_frame_height, ref.crop_in_frame.height);
}

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

void push_caps_and_segment(GstHarness* h, const std::string& caps) {
  gst_pad_push_event(h->srcpad, gst_event_new_caps(gst_caps_from_string(caps.c_str())));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(h->srcpad, gst_event_new_segment(&segment));
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace

// ---------------------------------------------------------------------------
// caps

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

// GStreamer's own conversion (the videoconvert element, through
// gst_video_convert_sample) of a buffer from one caps to another.
GstBuffer* videoconvert(GstBuffer* in, const std::string& in_caps, const std::string& out_caps) {
  GstCaps* ic = gst_caps_from_string(in_caps.c_str());
  GstCaps* oc = gst_caps_from_string(out_caps.c_str());
  GstSample* sample = gst_sample_new(in, ic, NULL, NULL);
  GError* err = NULL;
  GstSample* converted = gst_video_convert_sample(sample, oc, 10 * GST_SECOND, &err);
  EXPECT_EQ(err, nullptr) << (err ? err->message : "");
  if (err) g_error_free(err);
  GstBuffer* out = converted ? gst_buffer_ref(gst_sample_get_buffer(converted)) : NULL;
  if (converted) gst_sample_unref(converted);
  gst_sample_unref(sample);
  gst_caps_unref(ic);
  gst_caps_unref(oc);
  return out;
}

// Packed RGB rows (no padding) of an RGB buffer with GStreamer's default strides.
std::vector<uint8_t> rgb_rows(GstBuffer* buf, int w, int h) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, w, h);
  GstMapInfo map;
  EXPECT_TRUE(gst_buffer_map(buf, &map, GST_MAP_READ));
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    std::memcpy(&rgb[static_cast<size_t>(y) * w * 3], map.data + y * GST_VIDEO_INFO_PLANE_STRIDE(&info, 0),
                w * 3);
  gst_buffer_unmap(buf, &map);
  return rgb;
}

// YUV input (what cameras and decoders deliver): the engine must see exactly
// the RGB pixels that `videoconvert ! video/x-raw,format=RGB` would give it.
class YuvCapsTest : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {};

TEST_P(YuvCapsTest, InspectsWhatVideoconvertWouldDeliver) {
  SKIP_WITHOUT_TINY_MODEL();
  const auto [format, mode] = GetParam();
  const std::string caps = caps_for(format, kW, kH, 1), rgb_caps = caps_for("RGB", kW, kH, 1);
  GstBuffer* yuv = videoconvert(make_buffer(rgb_caps, rgb_pattern(kW, kH, 4), 0, GST_SECOND), rgb_caps, caps);
  ASSERT_NE(yuv, nullptr);
  GstBuffer* back = videoconvert(gst_buffer_ref(yuv), caps, rgb_caps);
  ASSERT_NE(back, nullptr);
  const auto ref = reference(rgb_rows(back, kW, kH), kW, kH);
  gst_buffer_unref(back);

  GstHarness* h = make_harness(std::string("overlay=none mode=") + mode, caps);
  GST_BUFFER_PTS(yuv) = 0;
  GST_BUFFER_DURATION(yuv) = GST_SECOND;
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, yuv));
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr) << format << " " << mode;
  EXPECT_FALSE(meta->stale);
  EXPECT_EQ(meta->score, ref.score) << format << " " << mode;
  expect_map_equals(meta, ref);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

INSTANTIATE_TEST_SUITE_P(Formats, YuvCapsTest,
                         ::testing::Combine(::testing::Values("I420", "NV12", "YUY2"),
                                            ::testing::Values("sync", "live")));

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

// ---------------------------------------------------------------------------
// properties

TEST(Properties, DefaultsAndRoundTrips) {
  GstElement* e = gst_element_factory_make("decodiffinspect", NULL);
  ASSERT_NE(e, nullptr);
  gchar *model, *device, *precision, *klass, *results, *roi, *instance;
  gint steps;
  gdouble threshold, alpha;
  gint overlay, mode, message;
  guint interval, batch;
  g_object_get(e, "model", &model, "device", &device, "precision", &precision, "class", &klass, "steps",
               &steps, "threshold", &threshold, "overlay", &overlay, "overlay-alpha", &alpha, "mode", &mode,
               "interval", &interval, "batch-size", &batch, "message", &message, "results-location", &results,
               "roi", &roi, "model-instance-id", &instance, NULL);
  EXPECT_EQ(model, nullptr);
  EXPECT_STREQ(device, "auto");
  EXPECT_STREQ(precision, "fp32");
  EXPECT_EQ(klass, nullptr);
  EXPECT_EQ(steps, 0);
  EXPECT_EQ(threshold, -1.0);
  EXPECT_EQ(alpha, 0.4);
  EXPECT_EQ(interval, 1u);
  EXPECT_EQ(batch, 1u);
  EXPECT_EQ(results, nullptr);
  EXPECT_EQ(roi, nullptr);
  EXPECT_EQ(instance, nullptr);
  auto nick = [&](const char* prop, gint v) {
    GParamSpec* ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop);
    GEnumClass* ec = G_ENUM_CLASS(g_type_class_ref(ps->value_type));
    std::string n = g_enum_get_value(ec, v)->value_nick;
    g_type_class_unref(ec);
    return n;
  };
  EXPECT_EQ(nick("overlay", overlay), "heatmap");
  EXPECT_EQ(nick("mode", mode), "sync");
  EXPECT_EQ(nick("message", message), "anomalies");
  for (gchar* s : {model, device, precision, klass, results, roi, instance}) g_free(s);

  // Set every property through its string form (as gst-launch does) and read it back.
  struct Case {
    const char* prop;
    const char* value;
  } cases[] = {{"model", "/models/a.safetensors"},
               {"device", "cuda:1"},
               {"precision", "fp16"},
               {"class", "beta"},
               {"steps", "3"},
               {"threshold", "0.25"},
               {"overlay", "contour"},
               {"overlay-alpha", "0.75"},
               {"mode", "live"},
               {"interval", "4"},
               {"batch-size", "8"},
               {"message", "all"},
               {"results-location", "/r.jsonl"},
               {"roi", "10,20,30,40"},
               {"model-instance-id", "line-3"}};
  for (const Case& c : cases) {
    gst_util_set_object_arg(G_OBJECT(e), c.prop, c.value);
    GParamSpec* ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), c.prop);
    ASSERT_NE(ps, nullptr) << c.prop;
    EXPECT_TRUE(ps->flags & G_PARAM_READWRITE) << c.prop;
    EXPECT_NE(std::string(g_param_spec_get_blurb(ps)), "") << c.prop;
    GValue v = G_VALUE_INIT;
    g_value_init(&v, ps->value_type);
    g_object_get_property(G_OBJECT(e), c.prop, &v);
    std::string got;
    if (G_VALUE_HOLDS_STRING(&v))
      got = g_value_get_string(&v);
    else if (G_VALUE_HOLDS_ENUM(&v)) {
      GEnumClass* ec = G_ENUM_CLASS(g_type_class_ref(ps->value_type));
      got = g_enum_get_value(ec, g_value_get_enum(&v))->value_nick;
      g_type_class_unref(ec);
    } else if (G_VALUE_HOLDS_DOUBLE(&v))
      got = std::to_string(g_value_get_double(&v)).substr(0, 4);
    else if (G_VALUE_HOLDS_INT(&v))
      got = std::to_string(g_value_get_int(&v));
    else if (G_VALUE_HOLDS_UINT(&v))
      got = std::to_string(g_value_get_uint(&v));
    g_value_unset(&v);
    EXPECT_EQ(got, c.value) << c.prop;
  }
  gst_object_unref(e);
}

// ---------------------------------------------------------------------------
// metadata against the engine

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

// ---------------------------------------------------------------------------
// modes

TEST(Modes, SyncInspectsEveryFrameInOrderAcrossBatches) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string jsonl = scratch("jsonl");
  const std::string caps = caps_for("RGB", 64, 64);
  GstHarness* h = make_harness("batch-size=3 overlay=none results-location=\"" + jsonl + "\"", caps);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, i), i * GST_SECOND / 10,
                                                           GST_SECOND / 10)));
  EXPECT_EQ(gst_harness_buffers_in_queue(h), 3u);  // one full batch out, the 4th waits for its batch
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_in_queue(h), 4u);  // EOS flushed the partial batch
  std::vector<float> scores;
  for (int i = 0; i < 4; ++i) {
    GstBuffer* out = gst_harness_pull(h);
    GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_EQ(meta->frame_number, static_cast<guint64>(i));
    EXPECT_EQ(meta->inspected_frame_number, static_cast<guint64>(i));
    EXPECT_FALSE(meta->stale);
    EXPECT_EQ(GST_BUFFER_PTS(out), i * GST_SECOND / 10);
    // batched results equal single-frame engine results (up to batched GEMM rounding)
    EXPECT_NEAR(meta->score, reference(rgb_pattern(64, 64, i), 64, 64).score, 1e-4) << i;
    scores.push_back(meta->score);
    gst_buffer_unref(out);
  }
  auto lines = read_lines(jsonl);
  ASSERT_EQ(lines.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["frame"].get<int>(), i);
    EXPECT_EQ(j["score"].get<float>(), scores[i]);
  }
  gst_harness_teardown(h);
}

TEST(Modes, IntervalCarriesTheLatestResultMarkedStale) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string jsonl = scratch("jsonl");
  const std::string caps = caps_for("RGB", 64, 64);
  GstHarness* h = make_harness("interval=3 overlay=heatmap results-location=\"" + jsonl + "\"", caps);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, i), i * 1000, 1000)));
    GstBuffer* out = gst_harness_pull(h);
    GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_EQ(meta->frame_number, static_cast<guint64>(i));
    EXPECT_EQ(meta->inspected_frame_number, static_cast<guint64>(i - i % 3));
    EXPECT_EQ(meta->stale, i % 3 != 0);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(read_lines(jsonl).size(), 2u);  // frames 0 and 3
  gst_harness_teardown(h);
}

// A slow engine in live mode: tests/gst/test_failsafe.cpp (it needs the inspection hook).

TEST(Modes, LiveWithAFastEngineDeliversFreshResults) {
  SKIP_WITHOUT_TINY_MODEL();
  // One frame per second leaves the worker a whole second: the result comes
  // back on the frame it was computed from.
  const std::string caps = caps_for("RGB", 64, 64, 1);
  GstHarness* h = make_harness("mode=live overlay=none", caps);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, make_buffer(caps, rgb_pattern(64, 64, 1), 0, GST_SECOND)));
  GstBuffer* out = gst_harness_pull(h);
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
  ASSERT_NE(meta, nullptr) << "inspection of a 64x64 frame took more than one second";
  EXPECT_FALSE(meta->stale);
  EXPECT_EQ(meta->score, reference(rgb_pattern(64, 64, 1), 64, 64).score);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

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

// ---------------------------------------------------------------------------
// shared engines

namespace {
std::atomic<int> g_loads{0};
void count_loads(GstDebugCategory* category, GstDebugLevel, const gchar*, const gchar*, gint, GObject*,
                 GstDebugMessage* message, gpointer) {
  if (std::strcmp(gst_debug_category_get_name(category), "decodiffinspect") == 0 &&
      g_str_has_prefix(gst_debug_message_get(message), "loaded model"))
    ++g_loads;
}
}  // namespace

TEST(SharedEngine, OneInstanceIdLoadsTheModelOnce) {
  SKIP_WITHOUT_TINY_MODEL();
  gst_debug_set_threshold_for_name("decodiffinspect", GST_LEVEL_INFO);
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(count_loads, NULL, NULL);
  const std::string caps = caps_for("RGB", 64, 64);
  g_loads = 0;
  GstHarness* a = make_harness("model-instance-id=line1 class=alpha overlay=none", caps);
  GstHarness* b = make_harness("model-instance-id=line1 class=beta overlay=none", caps);
  EXPECT_EQ(g_loads.load(), 1);
  GstHarness* c = make_harness("model-instance-id=line2 overlay=none", caps);
  EXPECT_EQ(g_loads.load(), 2);
  // the shared engine still honours each element's class
  auto rgb = rgb_pattern(64, 64, 3);
  gst_harness_push(a, make_buffer(caps, rgb, 0, 1));
  gst_harness_push(b, make_buffer(caps, rgb, 0, 1));
  GstBuffer* oa = gst_harness_pull(a);
  GstBuffer* ob = gst_harness_pull(b);
  EXPECT_EQ(gst_buffer_get_decodiff_meta(oa)->score, reference(rgb, 64, 64, 0).score);
  EXPECT_EQ(gst_buffer_get_decodiff_meta(ob)->score, reference(rgb, 64, 64, 1).score);
  gst_buffer_unref(oa);
  gst_buffer_unref(ob);
  gst_harness_teardown(a);
  gst_harness_teardown(b);
  gst_harness_teardown(c);
  // all holders gone: the next element with the id loads again
  GstHarness* d = make_harness("model-instance-id=line1 overlay=none", caps);
  EXPECT_EQ(g_loads.load(), 3);
  gst_harness_teardown(d);
  gst_debug_remove_log_function(count_loads);
  gst_debug_add_log_function(gst_debug_log_default, NULL, NULL);
  gst_debug_set_threshold_for_name("decodiffinspect", GST_LEVEL_NONE);
}

// ---------------------------------------------------------------------------
// errors: refuse to start with a message naming the problem

namespace {
// Takes the element to PAUSED (start()) and returns the error text.
std::string start_error(const std::string& props, const std::string& model = tiny_model()) {
  std::string desc = "decodiffinspect " + (model.empty() ? "" : "model=\"" + model + "\" ") + props;
  GstElement* e = gst_parse_launch(desc.c_str(), NULL);
  BusWatch bus(e);
  GstStateChangeReturn ret = gst_element_set_state(e, GST_STATE_PAUSED);
  EXPECT_EQ(ret, GST_STATE_CHANGE_FAILURE) << props;
  std::string text = bus.error_text();
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
  return text;
}
}  // namespace

TEST(Errors, NoModel) { EXPECT_NE(start_error("", "").find("model"), std::string::npos); }

TEST(Errors, MissingModelFile) {
  std::string text = start_error("", "/nonexistent/dir/model.safetensors");
  EXPECT_NE(text.find("/nonexistent/dir/model.safetensors"), std::string::npos) << text;
}

TEST(Errors, CorruptModelFile) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string path = scratch("safetensors");
  {  // the first 4 kB of a real model: a truncated file
    std::ifstream in(tiny_model(), std::ios::binary);
    std::vector<char> head(4096);
    in.read(head.data(), head.size());
    std::ofstream(path, std::ios::binary).write(head.data(), head.size());
  }
  std::string text = start_error("", path);
  const std::string prefix = "Cannot load model " + path + " on device auto: ";
  EXPECT_EQ(text.rfind(prefix, 0), 0u) << text;
  // the loader's own reason follows, naming the file (docs/model-format.md)
  EXPECT_NE(text.find(path, prefix.size()), std::string::npos) << text;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "this is not a model";
  text = start_error("", path);
  EXPECT_NE(text.find(path), std::string::npos) << text;
}

TEST(Errors, UnknownClass) {
  SKIP_WITHOUT_TINY_MODEL();
  std::string text = start_error("class=nosuchclass");
  EXPECT_NE(text.find("nosuchclass"), std::string::npos) << text;
  text = start_error("class=7");
  EXPECT_NE(text.find("\"7\""), std::string::npos) << text;
}

TEST(Errors, UnavailableDevice) {
  SKIP_WITHOUT_TINY_MODEL();
  std::string text = start_error("device=cuda:77");
  EXPECT_NE(text.find("cuda:77"), std::string::npos) << text;
  text = start_error("device=tpu");
  EXPECT_NE(text.find("tpu"), std::string::npos) << text;
}

TEST(Errors, IllegalStepsAndRoi) {
  SKIP_WITHOUT_TINY_MODEL();
  EXPECT_NE(start_error("steps=6").find("steps 6"), std::string::npos);
  EXPECT_NE(start_error("roi=1,2,3").find("roi"), std::string::npos);
}

TEST(Errors, RoiOutsideTheFrameFailsAtCaps) {
  SKIP_WITHOUT_TINY_MODEL();
  GstElement* e = make_element("roi=50,50,60,60");
  BusWatch bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  push_caps_and_segment(h, caps_for("RGB", 96, 80));
  EXPECT_EQ(GST_FLOW_NOT_NEGOTIATED,
            gst_harness_push(h, make_buffer(caps_for("RGB", 96, 80), rgb_pattern(96, 80, 0), 0, 1)));
  std::string text = bus.error_text();
  EXPECT_NE(text.find("does not fit in the 96x80 frame"), std::string::npos) << text;
  gst_harness_teardown(h);
}

TEST(Errors, SameInstanceIdWithAnotherModel) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string copy = scratch("safetensors");
  {
    std::ifstream in(tiny_model(), std::ios::binary);
    std::ofstream(copy, std::ios::binary) << in.rdbuf();
  }
  GstHarness* a = make_harness("model-instance-id=shared-x overlay=none", caps_for("RGB"));
  std::string text = start_error("model-instance-id=shared-x", copy);
  EXPECT_NE(text.find("model-instance-id 'shared-x' is already used"), std::string::npos) << text;
  gst_harness_teardown(a);
}

// ---------------------------------------------------------------------------
// lifecycle and memory

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
