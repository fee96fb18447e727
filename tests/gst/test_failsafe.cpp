// decodiffinspect fails safe: non-finite results are anomalous errors, bad
// settings give one error at start, lost results stop the pipeline, chained
// elements are told apart, settings fixed at start are refused while running.
//
// This binary links the element's code and registers the element itself
// (so that tests can reach its inspection hook, a plain C++ seam); it must
// therefore not also load the plugin file: GST_PLUGIN_PATH is cleared before
// gst_init. Subprocesses (gst-launch-1.0) get the plugin through
// DECODIFF_GST_PLUGIN_DIR.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <gst/decodiff/decodiffmeta.h>

#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gst_test_util.h"
#include "gstdecodiffinspect.h"
#include "inspection_hook.h"
#include "results_file.h"

using namespace decodiff::gst_test;
using decodiff::gst::Inspection;

namespace {

class GstInit : public ::testing::Environment {
 public:
  void SetUp() override {
    g_unsetenv("GST_PLUGIN_PATH");
    g_unsetenv("GST_PLUGIN_PATH_1_0");
    gst_init(NULL, NULL);
    ASSERT_TRUE(GST_ELEMENT_REGISTER(decodiffinspect, NULL));
  }
};
[[maybe_unused]] ::testing::Environment* const gst_env = ::testing::AddGlobalTestEnvironment(new GstInit);

constexpr int kW = 96, kH = 80;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::string caps_for(int w = kW, int h = kH) {
  return "video/x-raw,format=RGB,width=" + std::to_string(w) + ",height=" + std::to_string(h) +
         ",framerate=10/1";
}

std::string model_props() { return "model=\"" + tiny_model() + "\" device=cpu"; }

GstElement* make_element(const std::string& props) {
  std::string desc = "decodiffinspect " + model_props() + " " + props;
  GError* err = NULL;
  GstElement* e = gst_parse_launch(desc.c_str(), &err);
  EXPECT_EQ(err, nullptr) << (err ? err->message : "");
  if (err) g_error_free(err);
  return e;
}

GstBuffer* frame(guint64 index) {
  return make_buffer(caps_for(), rgb_pattern(kW, kH, static_cast<int>(index)), index * GST_SECOND / 10,
                     GST_SECOND / 10);
}

// What a model that computes garbage gives: NaN everywhere.
void poison(Inspection& in) {
  in.score = kNaN;
  in.anomaly_map.setTo(kNaN);
  in.frame_map.setTo(kNaN);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The model loader may warn about the model file itself (e.g. a model without
// a fingerprint); these tests count the element's own warnings only.
bool about_the_model_file(const std::string& text) { return contains(text, "fingerprint"); }

// The messages of one type, with their source's name and their text.
struct Posted {
  std::string source;
  std::string text;
  const GstStructure* details = nullptr;
};

// The bus of an element without a pipeline. gst_bus_pop_filtered() drops the
// messages it skips, so this keeps them for the next call.
struct Bus {
  BusWatch watch;
  std::vector<GstMessage*> kept;
  explicit Bus(GstElement* element) : watch(element) {}
  ~Bus() {
    for (GstMessage* m : kept) gst_message_unref(m);
  }
  std::vector<GstMessage*> pop_all(GstMessageType type) {
    while (GstMessage* m = gst_bus_pop(watch.bus)) kept.push_back(m);
    std::vector<GstMessage*> out, rest;
    for (GstMessage* m : kept) (GST_MESSAGE_TYPE(m) & type ? out : rest).push_back(m);
    kept = rest;
    return out;
  }
};

std::vector<Posted> take(Bus& bus, GstMessageType type) {
  std::vector<Posted> out;
  for (GstMessage* m : bus.pop_all(type)) {
    GError* err = NULL;
    gchar* dbg = NULL;
    if (type == GST_MESSAGE_ERROR) gst_message_parse_error(m, &err, &dbg);
    if (type == GST_MESSAGE_WARNING) gst_message_parse_warning(m, &err, &dbg);
    std::string text = err ? err->message : "";
    if (type != GST_MESSAGE_WARNING || !about_the_model_file(text))
      out.push_back(Posted{GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), text});
    if (err) g_error_free(err);
    g_free(dbg);
    gst_message_unref(m);
  }
  return out;
}

// All messages a pipeline posted until EOS or its first error, and on the way down.
struct PipelineRun {
  bool eos = false;
  std::vector<Posted> errors, warnings;
};

PipelineRun run_pipeline(const std::string& desc, GstPadProbeCallback probe = NULL,
                         gpointer probe_data = NULL) {
  PipelineRun run;
  GError* err = NULL;
  GstElement* p = gst_parse_launch(desc.c_str(), &err);
  EXPECT_EQ(err, nullptr) << desc << ": " << (err ? err->message : "");
  if (err) g_error_free(err);
  if (!p) return run;
  if (probe) {
    GstElement* sink = gst_bin_get_by_name(GST_BIN(p), "sink");
    GstPad* pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, probe, probe_data, NULL);
    gst_object_unref(pad);
    gst_object_unref(sink);
  }
  GstBus* bus = gst_element_get_bus(p);
  auto collect = [&run](GstMessage* m) {
    GError* e = NULL;
    gchar* dbg = NULL;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) run.eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      gst_message_parse_error(m, &e, &dbg);
      run.errors.push_back(Posted{GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), e->message});
    }
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning(m, &e, &dbg);
      if (!about_the_model_file(e->message))
        run.warnings.push_back(Posted{GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), e->message});
    }
    if (e) g_error_free(e);
    g_free(dbg);
    gst_message_unref(m);
  };
  const auto types = static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  if (gst_element_set_state(p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) {
    while (!run.eos && run.errors.empty()) {
      GstMessage* m = gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND, types);
      if (!m) {
        ADD_FAILURE() << "timeout: " << desc;
        break;
      }
      collect(m);
    }
  }
  gst_element_set_state(p, GST_STATE_NULL);
  while (GstMessage* m = gst_bus_pop_filtered(bus, types)) collect(m);
  gst_object_unref(bus);
  gst_object_unref(p);
  return run;
}

size_t count_from(const std::vector<Posted>& v, const std::string& source) {
  size_t n = 0;
  for (const Posted& p : v) n += p.source == source;
  return n;
}

// Every test leaves the hook unset.
class FailSafe : public ::testing::Test {
 protected:
  void SetUp() override { SKIP_WITHOUT_TINY_MODEL(); }
  void TearDown() override { decodiff::gst::set_inspection_hook({}); }
};

}  // namespace

// ---------------------------------------------------------------------------
// item 2: a non-finite result is never "ok"
//
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

TEST_F(FailSafe, LiveModeCarriesTheErrorAndStops) {
  decodiff::gst::set_inspection_hook([](Inspection& in, uint64_t) { poison(in); });
  GstElement* e = make_element("mode=live overlay=none max-consecutive-errors=2");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  // The worker takes a frame whenever it is idle; frames keep coming (every
  // 10 ms, as from a camera) until it has failed twice and the stream stops.
  GstFlowReturn ret = GST_FLOW_OK;
  int pushed = 0;
  const gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    ret = gst_harness_push(h, frame(pushed++));
    if (ret != GST_FLOW_OK) break;
    GstBuffer* out = gst_harness_pull(h);
    if (GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(out)) {
      EXPECT_TRUE(m->anomalous);  // fresh or stale, the carried result is the error
      EXPECT_STREQ(m->error, "non-finite score");
    }
    gst_buffer_unref(out);
    g_usleep(10000);
  }
  EXPECT_EQ(ret, GST_FLOW_ERROR) << "after " << pushed << " frames";
  auto errors = take(bus, GST_MESSAGE_ERROR);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(contains(errors[0].text, "2 inspections in a row failed")) << errors[0].text;
  EXPECT_EQ(take(bus, GST_MESSAGE_WARNING).size(), 2u);
  gst_harness_teardown(h);
}

// A slow engine, made with the hook (it runs on the live worker, after the
// engine call): live mode must never hold buffers back for it.
TEST_F(FailSafe, LiveKeepsBuffersFlowingWithASlowEngine) {
  decodiff::gst::set_inspection_hook(
      [](Inspection&, uint64_t) { std::this_thread::sleep_for(std::chrono::milliseconds(1500)); });
  GstElement* e = make_element("mode=live message=all overlay=heatmap");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps_for().c_str());

  const auto t0 = std::chrono::steady_clock::now();
  for (guint i = 0; i < 10; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(i)));
    EXPECT_EQ(gst_harness_buffers_in_queue(h), i + 1) << "buffer " << i << " was held back";
  }
  const double pushed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // 1.5 s per inspection: ten frames through in well under that means
  // nothing waited for the worker (at most one frame period, on frame 0).
  EXPECT_LT(pushed_ms, 1000.0);
  for (int i = 0; i < 10; ++i) {
    GstBuffer* out = gst_harness_pull(h);
    EXPECT_EQ(gst_buffer_get_decodiff_meta(out), nullptr) << "no result exists yet, buffer " << i;
    gst_buffer_unref(out);
  }
  // Wait for the one inspection (frame 0); newer frames then carry it, stale.
  GstMessage* m = gst_bus_timed_pop_filtered(bus.watch.bus, 20 * GST_SECOND, GST_MESSAGE_ELEMENT);
  ASSERT_NE(m, nullptr);
  guint64 inspected = 99;
  gdouble score = -1;
  gst_structure_get_uint64(gst_message_get_structure(m), "frame", &inspected);
  gst_structure_get_double(gst_message_get_structure(m), "score", &score);
  EXPECT_EQ(inspected, 0u);
  gst_message_unref(m);
  for (guint i = 10; i < 13; ++i) {
    ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(i)));
    GstBuffer* out = gst_harness_pull(h);
    GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_TRUE(meta->stale);
    EXPECT_EQ(meta->frame_number, i);
    EXPECT_EQ(meta->inspected_frame_number, 0u);
    EXPECT_FLOAT_EQ(meta->score, static_cast<float>(score));
    gst_buffer_unref(out);
  }
  // Live mode announces one frame period of latency.
  gst_harness_set_upstream_latency(h, 0);
  EXPECT_EQ(gst_harness_query_latency(h), GST_SECOND / 10);
  gst_harness_teardown(h);
}

// ---------------------------------------------------------------------------
// item 3: strict settings, one error each

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

// ---------------------------------------------------------------------------
// item 4: lost results are an error

TEST_F(FailSafe, ResultsOnAFullDeviceStopThePipeline) {
  PipelineRun run = run_pipeline(
      "videotestsrc num-buffers=5 ! video/x-raw,format=RGB,width=96,height=80,framerate=10/1 ! "
      "decodiffinspect name=inspect overlay=none results-location=/dev/full " +
      model_props() + " ! fakesink name=sink");
  EXPECT_FALSE(run.eos);
  ASSERT_FALSE(run.errors.empty());
  EXPECT_EQ(run.errors[0].source, "inspect");
  EXPECT_EQ(count_from(run.errors, "inspect"), 1u);
  EXPECT_TRUE(
      contains(run.errors[0].text, "cannot write results-location /dev/full: No space left on device"))
      << run.errors[0].text;
  EXPECT_EQ(count_from(run.warnings, "inspect"), 0u);
}

TEST(ResultsFile, WriteErrorThrowsOnceAndLaterLinesAreDropped) {
  decodiff::gst::ResultsFile file;
  file.open("/dev/full");
  decodiff::gst::Result r;
  EXPECT_THROW(file.write(r), std::runtime_error);
  EXPECT_NO_THROW(file.write(r));  // already reported; nothing more is written
  EXPECT_NO_THROW(file.sync());
  EXPECT_NO_THROW(file.close());
  EXPECT_THROW(file.open("/nonexistent-dir/r.jsonl"), std::runtime_error);
}

TEST(ResultsFile, ErrorFieldIsAppendedAndJsonStaysValid) {
  decodiff::gst::Result r;
  r.frame_number = 4;
  r.inspection.score = kNaN;
  r.anomalous = true;
  r.class_name = "nut";
  r.regions.push_back(decodiff::gst::Region{0, 0, 8, 6, kNaN});
  r.error = "non-finite score";
  const std::string line = decodiff::gst::json_line(r);
  EXPECT_EQ(line,
            "{\"frame\":4,\"pts\":-1,\"score\":null,\"anomalous\":true,\"threshold\":0.0,\"class\":\"nut\","
            "\"regions\":[{\"x\":0,\"y\":0,\"w\":8,\"h\":6,\"score\":null}],\"latency_ms\":0.0,"
            "\"error\":\"non-finite score\"}");
  r.error.clear();
  r.inspection.score = 0.25f;
  EXPECT_EQ(decodiff::gst::json_line(r).find("error"), std::string::npos);
}

namespace {
// gst-launch-1.0 in a child with the plugin; returns the exit status.
int gst_launch(const std::string& pipeline, const std::string& shell_prefix = "") {
  const char* plugin_dir = std::getenv("DECODIFF_GST_PLUGIN_DIR");
  if (!plugin_dir) {
    ADD_FAILURE() << "DECODIFF_GST_PLUGIN_DIR is not set (meson sets it)";
    return -1;
  }
  const std::string registry = scratch("registry.bin");
  gchar** env = g_get_environ();
  env = g_environ_setenv(env, "GST_PLUGIN_PATH", plugin_dir, TRUE);
  env = g_environ_setenv(env, "GST_REGISTRY", registry.c_str(), TRUE);
  // first without limits: builds the registry, so the limited run writes nothing but results
  std::string warmup = "gst-inspect-1.0 decodiffinspect > /dev/null";
  std::string cmd = shell_prefix + "exec gst-launch-1.0 -q " + pipeline;
  gint status = -1;
  const std::string commands[2] = {warmup, cmd};
  for (const std::string& c : commands) {
    gchar* argv[] = {(gchar*)"/bin/bash", (gchar*)"-c", (gchar*)c.c_str(), NULL};
    GError* err = NULL;
    gboolean spawned =
        g_spawn_sync(NULL, argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &err);
    EXPECT_TRUE(spawned) << (err ? err->message : "");
    if (err) g_error_free(err);
    if (&c == &commands[0]) {
      EXPECT_TRUE(g_spawn_check_wait_status(status, NULL)) << "gst-inspect-1.0 decodiffinspect";
    }
  }
  g_strfreev(env);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
}  // namespace

TEST_F(FailSafe, GstLaunchExitsNonZeroAndTheFileKeepsEveryLineWrittenBefore) {
  const std::string src =
      "videotestsrc num-buffers=16 ! video/x-raw,format=RGB,width=96,height=80,framerate=10/1 ! "
      "decodiffinspect overlay=none message=none device=cpu model=" +
      tiny_model();
  EXPECT_EQ(gst_launch(src + " ! fakesink"), 0);
  EXPECT_NE(gst_launch(src + " results-location=/dev/full ! fakesink"), 0);

  // A file that fills up after 1 KiB (ulimit -f 1; SIGXFSZ ignored, so write() fails with EFBIG).
  const std::string jsonl = scratch("jsonl");
  EXPECT_NE(gst_launch(src + " results-location=" + jsonl + " ! fakesink", "trap '' XFSZ; ulimit -f 1; "), 0);
  std::ifstream in(jsonl, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  ASSERT_FALSE(text.empty());
  EXPECT_LE(text.size(), 1024u);
  EXPECT_EQ(text.back(), '\n') << "a partly written line was left at the end";
  auto lines = read_lines(jsonl);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_LT(lines.size(), 16u);
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(nlohmann::json::parse(lines[i])["frame"].get<size_t>(), i);
}

// ---------------------------------------------------------------------------
// item 5: chained elements

namespace {
struct Seen {
  std::vector<std::vector<std::string>> producers;  // per buffer, in the order added
  std::vector<std::vector<bool>> painted;
  std::vector<std::string> first_meta_producer;
  std::vector<std::set<std::string>> roi_producers;
  std::string by_name_second;
};

GstPadProbeReturn record(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* seen = static_cast<Seen*>(data);
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  std::vector<std::string> names;
  std::vector<bool> painted;
  gpointer state = NULL;
  while (GstDecodiffMeta* m = gst_buffer_iterate_decodiff_meta(buf, &state)) {
    names.push_back(m->producer ? m->producer : "");
    painted.push_back(m->painted);
  }
  seen->producers.push_back(names);
  seen->painted.push_back(painted);
  GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(buf);
  seen->first_meta_producer.push_back(m && m->producer ? m->producer : "");
  GstDecodiffMeta* second = gst_buffer_get_decodiff_meta_by_producer(buf, "second");
  seen->by_name_second = second && second->producer ? second->producer : "";
  std::set<std::string> rois;
  state = NULL;
  while (GstMeta* r =
             gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
    GstStructure* p = gst_video_region_of_interest_meta_get_param(
        reinterpret_cast<GstVideoRegionOfInterestMeta*>(r), "decodiff");
    if (p && gst_structure_get_string(p, "producer")) rois.insert(gst_structure_get_string(p, "producer"));
  }
  seen->roi_producers.push_back(rois);
  return GST_PAD_PROBE_OK;
}

std::string chain(const std::string& first_overlay) {
  return "videotestsrc num-buffers=3 ! video/x-raw,format=RGB,width=96,height=80,framerate=10/1 ! "
         "decodiffinspect name=first threshold=0 overlay=" +
         first_overlay + " " + model_props() + " ! decodiffinspect name=second threshold=0 overlay=none " +
         model_props() + " ! fakesink name=sink";
}
}  // namespace

TEST_F(FailSafe, PaintedInputWarnsOnceNamingBothElements) {
  Seen seen;
  PipelineRun run = run_pipeline(chain("heatmap"), record, &seen);
  EXPECT_TRUE(run.eos);
  ASSERT_EQ(count_from(run.warnings, "second"), 1u);
  EXPECT_EQ(count_from(run.warnings, "first"), 0u);
  for (const Posted& w : run.warnings)
    if (w.source == "second") {
      EXPECT_TRUE(contains(w.text, "\"second\" receives frames painted by decodiffinspect \"first\""))
          << w.text;
      EXPECT_TRUE(contains(w.text, "overlay=none")) << w.text;
    }
  ASSERT_EQ(seen.producers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(seen.producers[i], (std::vector<std::string>{"first", "second"})) << i;
    EXPECT_EQ(seen.painted[i], (std::vector<bool>{true, false})) << i;
    EXPECT_EQ(seen.first_meta_producer[i], "first") << "the element furthest upstream";
    EXPECT_EQ(seen.roi_producers[i], (std::set<std::string>{"first", "second"})) << i;
  }
  EXPECT_EQ(seen.by_name_second, "second");
}

TEST_F(FailSafe, UnpaintedInputFromAnotherElementIsNoWarning) {
  Seen seen;
  PipelineRun run = run_pipeline(chain("none"), record, &seen);
  EXPECT_TRUE(run.eos);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(seen.producers.size(), 3u);
  EXPECT_EQ(seen.painted[0], (std::vector<bool>{false, false}));
}

// ---------------------------------------------------------------------------
// item 6: settings fixed at start are refused while running

TEST_F(FailSafe, SettingsReadAtStartAreRefusedWhileRunning) {
  const std::string jsonl = scratch("jsonl");
  GstElement* e = make_element("overlay=none class=gamma roi=0,0,96,80 results-location=\"" + jsonl + "\"");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(0)));
  gst_buffer_unref(gst_harness_pull(h));
  const std::pair<const char*, const char*> refused[] = {{"model", "/other/model.safetensors"},
                                                         {"device", "cuda:1"},
                                                         {"precision", "bf16"},
                                                         {"class", "alpha"},
                                                         {"steps", "2"},
                                                         {"mode", "live"},
                                                         {"batch-size", "4"},
                                                         {"results-location", "/tmp/other.jsonl"},
                                                         {"roi", "1,1,10,10"},
                                                         {"model-instance-id", "other"}};
  for (const auto& [prop, value] : refused) {
    GParamSpec* ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop);
    ASSERT_NE(ps, nullptr) << prop;
    EXPECT_FALSE(ps->flags & GST_PARAM_MUTABLE_PLAYING) << prop;
    GValue before = G_VALUE_INIT, after = G_VALUE_INIT;
    g_value_init(&before, ps->value_type);
    g_value_init(&after, ps->value_type);
    g_object_get_property(G_OBJECT(e), prop, &before);
    gst_util_set_object_arg(G_OBJECT(e), prop, value);
    g_object_get_property(G_OBJECT(e), prop, &after);
    EXPECT_EQ(gst_value_compare(&before, &after), GST_VALUE_EQUAL) << prop << " changed while running";
    g_value_unset(&before);
    g_value_unset(&after);
    auto warnings = take(bus, GST_MESSAGE_WARNING);
    ASSERT_EQ(warnings.size(), 1u) << prop;
    EXPECT_TRUE(contains(warnings[0].text, std::string("Property \"") + prop + "\" cannot change while"))
        << warnings[0].text;
  }
  // still the settings of the start
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(1)));
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_STREQ(gst_buffer_get_decodiff_meta(out)->class_name, "gamma");
  gst_buffer_unref(out);
  EXPECT_EQ(read_lines(jsonl).size(), 2u);
  // and accepted again once stopped
  ASSERT_EQ(gst_element_set_state(e, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_util_set_object_arg(G_OBJECT(e), "class", "alpha");
  gchar* klass = NULL;
  g_object_get(e, "class", &klass, NULL);
  EXPECT_STREQ(klass, "alpha");
  g_free(klass);
  EXPECT_TRUE(take(bus, GST_MESSAGE_WARNING).empty());
  gst_object_unref(e);
  gst_harness_teardown(h);
}

TEST_F(FailSafe, RuntimeSettingsApplyWhileRunning) {
  GstElement* e = make_element("overlay=none threshold=0.99 message=all");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(0)));
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_FALSE(gst_buffer_get_decodiff_meta(out)->anomalous);
  gst_buffer_unref(out);

  gst_util_set_object_arg(G_OBJECT(e), "threshold", "0");  // everything anomalous
  gst_util_set_object_arg(G_OBJECT(e), "overlay", "heatmap");
  gst_util_set_object_arg(G_OBJECT(e), "message", "none");
  gst_util_set_object_arg(G_OBJECT(e), "interval", "2");
  gst_util_set_object_arg(G_OBJECT(e), "max-consecutive-errors", "1");
  for (GstMessage* m : bus.pop_all(GST_MESSAGE_ELEMENT)) gst_message_unref(m);
  EXPECT_TRUE(take(bus, GST_MESSAGE_WARNING).empty());

  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(1)));  // 1 % 2: stale
  out = gst_harness_pull(h);
  EXPECT_TRUE(gst_buffer_get_decodiff_meta(out)->stale);
  gst_buffer_unref(out);
  GstBuffer* in = frame(2);
  GstBuffer* plain = gst_buffer_copy_deep(in);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, in));  // inspected with threshold 0, painted
  out = gst_harness_pull(h);
  GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(out);
  EXPECT_FALSE(m->stale);
  EXPECT_TRUE(m->anomalous);
  EXPECT_FLOAT_EQ(m->threshold, 0.0f);
  EXPECT_TRUE(m->painted);
  GstMapInfo a, b;
  gst_buffer_map(out, &a, GST_MAP_READ);
  gst_buffer_map(plain, &b, GST_MAP_READ);
  EXPECT_NE(0, std::memcmp(a.data, b.data, a.size));
  gst_buffer_unmap(out, &a);
  gst_buffer_unmap(plain, &b);
  gst_buffer_unref(plain);
  gst_buffer_unref(out);
  EXPECT_TRUE(bus.pop_all(GST_MESSAGE_ELEMENT).empty()) << "message=none";
  // one failure now stops (max-consecutive-errors=1)
  decodiff::gst::set_inspection_hook([](Inspection& in, uint64_t) { poison(in); });
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(3)));  // stale: not inspected
  gst_buffer_unref(gst_harness_pull(h));
  EXPECT_EQ(GST_FLOW_ERROR, gst_harness_push(h, frame(4)));
  EXPECT_EQ(take(bus, GST_MESSAGE_ERROR).size(), 1u);
  gst_object_unref(e);
  gst_harness_teardown(h);
}
