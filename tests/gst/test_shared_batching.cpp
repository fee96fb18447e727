// Several cameras on one engine (suite SharedBatching), through real
// pipelines with the shipped default model: three videotestsrc streams of
// different lengths and frame rates, batched across the streams on one shared
// engine, give the results of three private engines (sync mode), and in live
// mode each stream's lines are its own frames. Small frames, few of them.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "gst_test_util.h"

using namespace decodiff::gst_test;

namespace {

std::string default_model() {
  return decodiff::testing::source_dir() + "/models/default/decodiff-default.safetensors";
}

struct Camera {
  const char* pattern;
  int frames;
  int fps;
};
const Camera kCameras[3] = {{"ball", 5, 30}, {"smpte", 3, 15}, {"snow", 2, 5}};

// The three cameras in one pipeline; `inspect` is each decodiffinspect's extra properties.
std::string error_of_run(const std::string& inspect, const std::string& tag, const std::string& mode) {
  std::string desc;
  for (int c = 0; c < 3; ++c)
    desc += "videotestsrc pattern=" + std::string(kCameras[c].pattern) +
            " num-buffers=" + std::to_string(kCameras[c].frames) +
            " ! video/x-raw,format=RGB,width=96,height=72,framerate=" + std::to_string(kCameras[c].fps) +
            "/1 ! decodiffinspect model=\"" + default_model() +
            "\" device=cpu overlay=none message=none mode=" + mode + " results-location=\"" +
            scratch(tag + std::to_string(c) + ".jsonl") + "\" " + inspect +
            " ! fakesink sync=" + (mode == "live" ? "true " : "false ");
  GError* err = NULL;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  if (err) {
    std::string text = err->message;
    g_error_free(err);
    return text;
  }
  std::string error;
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstMessage* m = gst_bus_timed_pop_filtered(
      bus, 300 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (!m) error = "timeout";
  if (m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError* e = NULL;
    gst_message_parse_error(m, &e, NULL);
    error = e->message;
    g_error_free(e);
  }
  if (m) gst_message_unref(m);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return error;
}

std::vector<nlohmann::json> lines_of(const std::string& tag, int camera) {
  std::vector<nlohmann::json> out;
  for (const std::string& l : read_lines(scratch(tag + std::to_string(camera) + ".jsonl")))
    out.push_back(nlohmann::json::parse(l));
  return out;
}

}  // namespace

TEST(SharedBatching, ThreeCamerasOnOneEngineGiveThePrivateEnginesResults) {
  ASSERT_EQ(error_of_run("", "private", "sync"), "");
  ASSERT_EQ(error_of_run("model-instance-id=cams batch-size=3 max-batch-wait=50", "shared", "sync"), "");
  for (int c = 0; c < 3; ++c) {
    const auto priv = lines_of("private", c), shared = lines_of("shared", c);
    ASSERT_EQ(priv.size(), static_cast<size_t>(kCameras[c].frames)) << "camera " << c;
    ASSERT_EQ(shared.size(), priv.size()) << "camera " << c;
    for (size_t i = 0; i < priv.size(); ++i) {
      EXPECT_EQ(shared[i]["frame"], i);
      EXPECT_EQ(shared[i]["pts"], priv[i]["pts"]);
      EXPECT_NEAR(shared[i]["score"].get<double>(), priv[i]["score"].get<double>(), 1e-5)
          << "camera " << c << " frame " << i;
      EXPECT_EQ(shared[i]["anomalous"], priv[i]["anomalous"]);
      EXPECT_GT(shared[i]["latency_ms"].get<double>(), 0.0);
    }
  }
  // the cameras see different pictures: a result handed to the wrong stream would show
  EXPECT_NE(lines_of("shared", 0)[0]["score"], lines_of("shared", 1)[0]["score"]);
}

TEST(SharedBatching, LiveCamerasOnOneEngineEachReportTheirOwnFrames) {
  ASSERT_EQ(error_of_run("model-instance-id=live-cams batch-size=3 max-batch-wait=20", "live", "live"), "");
  ASSERT_EQ(error_of_run("", "reference", "sync"), "");
  size_t inspected = 0;
  for (int c = 0; c < 3; ++c) {
    // live: a short camera whose only inspection was still waiting for a batch at EOS has no line
    const auto live = lines_of("live", c), reference = lines_of("reference", c);
    inspected += live.size();
    int64_t previous = -1;
    for (const auto& line : live) {
      const int64_t frame = line["frame"].get<int64_t>();
      ASSERT_GT(frame, previous);  // each frame once, in order
      ASSERT_LT(frame, kCameras[c].frames);
      previous = frame;
      // this camera's own frame: its score is the one a private engine gives that frame
      EXPECT_NEAR(line["score"].get<double>(), reference[static_cast<size_t>(frame)]["score"].get<double>(),
                  1e-5);
    }
  }
  EXPECT_GT(inspected, 0u);
}

TEST(SharedBatching, AnElementAskingForOtherBatchSettingsIsWarnedOnce) {
  std::string desc;
  for (int c = 0; c < 2; ++c)
    desc +=
        "videotestsrc num-buffers=2 ! video/x-raw,format=RGB,width=96,height=72 ! decodiffinspect model=\"" +
        default_model() +
        "\" device=cpu overlay=none message=none model-instance-id=mix batch-size=" + std::to_string(2 + c) +
        " ! fakesink sync=false ";
  GError* err = NULL;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  ASSERT_EQ(err, nullptr) << err->message;
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<std::string> warnings;
  bool eos = false;
  while (GstMessage* m = gst_bus_timed_pop_filtered(
             bus, 300 * GST_SECOND,
             static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    const GstMessageType type = GST_MESSAGE_TYPE(m);
    if (type == GST_MESSAGE_WARNING) {
      GError* e = NULL;
      gst_message_parse_warning(m, &e, NULL);
      warnings.push_back(e->message);
      g_error_free(e);
    }
    gst_message_unref(m);
    if (type != GST_MESSAGE_WARNING) {
      eos = type == GST_MESSAGE_EOS;
      break;
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  EXPECT_TRUE(eos);
  // whichever element starts second is told, once, which settings apply
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("differ from those of model-instance-id mix"), std::string::npos) << warnings[0];
}
