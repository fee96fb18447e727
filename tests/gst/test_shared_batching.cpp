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
  const RunMessages posted = run_to_end(desc, 300 * GST_SECOND);
  if (!posted.launch_error.empty()) return posted.launch_error;
  if (!posted.errors.empty()) return posted.errors.front();
  return posted.eos ? "" : "timeout";
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
  const RunMessages posted = run_to_end(desc, 300 * GST_SECOND);
  ASSERT_EQ(posted.launch_error, "");
  EXPECT_TRUE(posted.eos);
  // whichever element starts second is told, once, which settings apply
  ASSERT_EQ(posted.warnings.size(), 1u);
  EXPECT_NE(posted.warnings[0].find("differ from those of model-instance-id mix"), std::string::npos)
      << posted.warnings[0];
}
