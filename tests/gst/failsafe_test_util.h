// Shared fixtures of the fail-safe tests (test-gst-failsafe, one file per topic): the element
// registered in-process, frames, bus and pipeline message capture, and the FailSafe fixture.
//
// This binary links the element's code and registers the element itself
// (so that tests can reach its inspection hook, a plain C++ seam); it must
// therefore not also load the plugin file: GST_PLUGIN_PATH is cleared before
// gst_init. Subprocesses (gst-launch-1.0) get the plugin through
// DECODIFF_GST_PLUGIN_DIR.
#pragma once

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

namespace decodiff::failsafe_test {

using namespace ::decodiff::gst_test;
using decodiff::gst::Inspection;

class GstInit : public ::testing::Environment {
 public:
  void SetUp() override {
    g_unsetenv("GST_PLUGIN_PATH");
    g_unsetenv("GST_PLUGIN_PATH_1_0");
    gst_init(NULL, NULL);
    ASSERT_TRUE(GST_ELEMENT_REGISTER(decodiffinspect, NULL));
  }
};
// One registration for the whole binary (an inline variable), whichever files are linked in.
[[maybe_unused]] inline ::testing::Environment* const gst_env =
    ::testing::AddGlobalTestEnvironment(new GstInit);

constexpr int kW = 96, kH = 80;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

inline std::string caps_for(int w = kW, int h = kH) {
  return "video/x-raw,format=RGB,width=" + std::to_string(w) + ",height=" + std::to_string(h) +
         ",framerate=10/1";
}

inline std::string model_props() { return "model=\"" + tiny_model() + "\" device=cpu"; }

inline GstElement* make_element(const std::string& props) {
  std::string desc = "decodiffinspect " + model_props() + " " + props;
  GError* err = NULL;
  GstElement* e = gst_parse_launch(desc.c_str(), &err);
  EXPECT_EQ(err, nullptr) << (err ? err->message : "");
  if (err) g_error_free(err);
  return e;
}

inline GstBuffer* frame(guint64 index) {
  return make_buffer(caps_for(), rgb_pattern(kW, kH, static_cast<int>(index)), index * GST_SECOND / 10,
                     GST_SECOND / 10);
}

// What a model that computes garbage gives: NaN everywhere.
inline void poison(Inspection& in) {
  in.score = kNaN;
  in.anomaly_map.setTo(kNaN);
  in.frame_map.setTo(kNaN);
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The model loader may warn about the model file itself (e.g. a model without
// a fingerprint); these tests count the element's own warnings only.
inline bool about_the_model_file(const std::string& text) { return contains(text, "fingerprint"); }

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

inline std::vector<Posted> take(Bus& bus, GstMessageType type) {
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

inline PipelineRun run_pipeline(const std::string& desc, GstPadProbeCallback probe = NULL,
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

inline size_t count_from(const std::vector<Posted>& v, const std::string& source) {
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

}  // namespace decodiff::failsafe_test
