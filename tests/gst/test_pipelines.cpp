// decodiffinspect in real pipelines (gst_parse_launch) and the example app.
#include <gst/decodiff/decodiffmeta.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gst_test_util.h"

using namespace decodiff::gst_test;

namespace {

struct RunResult {
  bool eos = false;
  std::string error;
  int element_messages = 0;
};

RunResult run_pipeline(GstElement* pipeline, GstClockTime timeout = 120 * GST_SECOND) {
  RunResult r;
  GstBus* bus = gst_element_get_bus(pipeline);
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    r.error = "state change failed";
  while (r.error.empty() && !r.eos) {
    GstMessage* m = gst_bus_timed_pop_filtered(
        bus, timeout, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
    if (!m) {
      r.error = "timeout";
      break;
    }
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) r.eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name(gst_message_get_structure(m), "decodiff-inspect"))
      ++r.element_messages;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      GError* err = NULL;
      gst_message_parse_error(m, &err, NULL);
      r.error = err->message;
      g_error_free(err);
    }
    gst_message_unref(m);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  return r;
}

GstElement* launch(const std::string& desc) {
  GError* err = NULL;
  GstElement* p = gst_parse_launch(desc.c_str(), &err);
  EXPECT_EQ(err, nullptr) << desc << ": " << (err ? err->message : "");
  if (err) g_error_free(err);
  return p;
}

std::string model_arg() { return "model=\"" + tiny_model() + "\" device=cpu"; }

}  // namespace

TEST(Pipeline, VideotestsrcThroughFakesink) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string jsonl = scratch("jsonl");
  GstElement* p = launch(
      "videotestsrc num-buffers=3 ! video/x-raw,format=BGRx,width=96,height=72,framerate=10/1 ! "
      "decodiffinspect " +
      model_arg() + " message=all results-location=\"" + jsonl + "\" ! fakesink");
  RunResult r = run_pipeline(p);
  gst_object_unref(p);
  EXPECT_TRUE(r.eos) << r.error;
  EXPECT_EQ(r.element_messages, 3);
  auto lines = read_lines(jsonl);
  ASSERT_EQ(lines.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["frame"].get<size_t>(), i);
    EXPECT_EQ(j["pts"].get<int64_t>(), static_cast<int64_t>(i * GST_SECOND / 10));
    EXPECT_GE(j["score"].get<double>(), 0.0);
    EXPECT_LE(j["score"].get<double>(), 1.0);
  }
}

namespace {
GstPadProbeReturn keep_meta(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* out = static_cast<std::vector<GstDecodiffMeta>*>(data);
  if (GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(GST_PAD_PROBE_INFO_BUFFER(info))) {
    GstDecodiffMeta copy = *m;
    copy.regions =
        m->n_regions
            ? static_cast<GstDecodiffRegion*>(g_memdup2(m->regions, sizeof(*m->regions) * m->n_regions))
            : NULL;
    copy.class_name = NULL;
    copy.map_data = NULL;
    out->push_back(copy);
  }
  return GST_PAD_PROBE_OK;
}
}  // namespace

TEST(Pipeline, MetaCoordinatesFollowVideoscale) {
  SKIP_WITHOUT_TINY_MODEL();
  GstElement* p = launch(
      "videotestsrc num-buffers=1 ! video/x-raw,format=RGBx,width=96,height=72 ! "
      "decodiffinspect name=i threshold=0 overlay=none " +
      model_arg() + " ! videoscale ! video/x-raw,width=192,height=144 ! fakesink name=s");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(p), "s");
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  std::vector<GstDecodiffMeta> metas;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, keep_meta, &metas, NULL);
  RunResult r = run_pipeline(p);
  EXPECT_TRUE(r.eos) << r.error;
  ASSERT_EQ(metas.size(), 1u);
  // threshold 0: one region covering the inspected 96x72 frame, scaled by 2.
  ASSERT_EQ(metas[0].n_regions, 1u);
  EXPECT_EQ(metas[0].regions[0].x, 0);
  EXPECT_EQ(metas[0].regions[0].width, 192);
  EXPECT_EQ(metas[0].regions[0].height, 144);
  EXPECT_EQ(metas[0].map_frame_width % 2, 0);
  g_free(metas[0].regions);
  gst_object_unref(pad);
  gst_object_unref(sink);
  gst_object_unref(p);
}

TEST(Pipeline, RecordThenReplayAFile) {
  SKIP_WITHOUT_TINY_MODEL();
  const std::string video = scratch("avi"), jsonl = scratch("jsonl");
  GstElement* rec = launch(
      "videotestsrc num-buffers=4 pattern=smpte ! video/x-raw,width=96,height=72,framerate=5/1 ! "
      "videoconvert ! decodiffinspect " +
      model_arg() +
      " threshold=0.0 overlay=heatmap ! "
      "videoconvert ! jpegenc ! avimux ! filesink location=\"" +
      video + "\"");
  RunResult r = run_pipeline(rec);
  gst_object_unref(rec);
  ASSERT_TRUE(r.eos) << r.error;
  GstElement* replay =
      launch("filesrc location=\"" + video + "\" ! decodebin ! videoconvert ! decodiffinspect " +
             model_arg() + " results-location=\"" + jsonl + "\" ! fakesink");
  r = run_pipeline(replay);
  gst_object_unref(replay);
  EXPECT_TRUE(r.eos) << r.error;
  auto lines = read_lines(jsonl);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(lines[3])["pts"].get<int64_t>(), static_cast<int64_t>(3 * GST_SECOND / 5));
}

TEST(Pipeline, SyntheticVideoToFilesinkAndJsonl) {
  SKIP_WITHOUT_TINY_MODEL();
  const char* synth = std::getenv("DECODIFF_SYNTH");
  if (!synth || !g_file_test(synth, G_FILE_TEST_IS_EXECUTABLE)) GTEST_SKIP() << "decodiff-synth is not built";
  const std::string clip = scratch("avi"), labels = scratch("json"), out = scratch("out.avi"),
                    jsonl = scratch("jsonl");
  const std::string cmd = std::string(synth) +
                          " --quiet video --category nut --parts 1 --width 128 --height 96 " +
                          "--speed 40 --out \"" + clip + "\" --labels \"" + labels + "\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(labels);
  const int frames = nlohmann::json::parse(in)["frame_count"].get<int>();
  ASSERT_GT(frames, 0);
  GstElement* p = launch("filesrc location=\"" + clip + "\" ! decodebin ! videoconvert ! decodiffinspect " +
                         model_arg() + " results-location=\"" + jsonl +
                         "\" ! videoconvert ! jpegenc ! avimux ! filesink location=\"" + out + "\"");
  RunResult r = run_pipeline(p);
  gst_object_unref(p);
  EXPECT_TRUE(r.eos) << r.error;
  EXPECT_EQ(read_lines(jsonl).size(), static_cast<size_t>(frames));  // every frame of the clip, once
  // the annotated file decodes back to the same number of frames
  GstElement* check =
      launch("filesrc location=\"" + out + "\" ! decodebin ! videoconvert ! decodiffinspect " + model_arg() +
             " interval=1000 overlay=none message=none ! fakesink name=s");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(check), "s");
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  std::vector<GstDecodiffMeta> metas;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, keep_meta, &metas, NULL);
  r = run_pipeline(check);
  EXPECT_TRUE(r.eos) << r.error;
  EXPECT_EQ(metas.size(), static_cast<size_t>(frames));
  for (auto& m : metas) g_free(m.regions);
  gst_object_unref(pad);
  gst_object_unref(sink);
  gst_object_unref(check);
}

TEST(Pipeline, ExampleAppPrintsTheMeta) {
  SKIP_WITHOUT_TINY_MODEL();
  const char* app = std::getenv("DECODIFF_EXAMPLE_APP");
  ASSERT_NE(app, nullptr) << "DECODIFF_EXAMPLE_APP is not set (meson test sets it)";
  std::string model = tiny_model();
  const gchar* argv[] = {app, "--model", model.c_str(), "--num-buffers", "3", NULL};
  gchar *out = NULL, *err = NULL;
  gint status = -1;
  GError* error = NULL;
  ASSERT_TRUE(g_spawn_sync(NULL, const_cast<gchar**>(argv), NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                           &status, &error))
      << (error ? error->message : "");
  EXPECT_TRUE(g_spawn_check_wait_status(status, NULL)) << err;
  std::vector<std::string> lines;
  gchar** split = g_strsplit(out, "\n", -1);
  for (gchar** it = split; *it; ++it)
    if (**it) lines.push_back(*it);
  g_strfreev(split);
  ASSERT_EQ(lines.size(), 3u) << out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[i].rfind("frame " + std::to_string(i) + " score ", 0), 0u) << lines[i];
    EXPECT_NE(lines[i].find("class alpha"), std::string::npos) << lines[i];
    EXPECT_NE(lines[i].find("map 64x64"), std::string::npos) << lines[i];
  }
  g_free(out);
  g_free(err);
}

// decodiff-synth video -> decodiffregions (its labels) -> decodiffinspect (roi-types): every labelled part
// in every frame is inspected as its own region, at the labels' box.
TEST(Pipeline, SyntheticVideoPartsAreInspectedAsTheLabelsPlaceThem) {
  SKIP_WITHOUT_TINY_MODEL();
  const char* synth = std::getenv("DECODIFF_SYNTH");
  if (!synth || !g_file_test(synth, G_FILE_TEST_IS_EXECUTABLE)) GTEST_SKIP() << "decodiff-synth is not built";
  const std::string clip = scratch("regions.avi"), labels = scratch("regions.json"),
                    jsonl = scratch("regions.jsonl");
  const std::string cmd = std::string(synth) +
                          " --quiet video --category nut --parts 2 --width 128 --height 96 " +
                          "--speed 40 --out \"" + clip + "\" --labels \"" + labels + "\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(labels);
  const nlohmann::json truth = nlohmann::json::parse(in);
  std::map<int, std::vector<std::vector<int>>> boxes;  // frame -> the parts' boxes (clipped to the frame)
  for (const auto& part : truth["parts"])
    for (const auto& f : part["frames"]) {
      std::vector<int> b = f["part_box"].get<std::vector<int>>();
      b[2] = std::min(b[0] + b[2], 128) - b[0];
      b[3] = std::min(b[1] + b[3], 96) - b[1];
      if (b[2] > 0 && b[3] > 0) boxes[f["frame"].get<int>()].push_back(b);
    }
  ASSERT_FALSE(boxes.empty());
  GstElement* p = launch(
      "filesrc location=\"" + clip + "\" ! decodebin ! videoconvert ! decodiffregions location=\"" + labels +
      "\" ! decodiffinspect " + model_arg() +
      " roi-types=part class-map=part=alpha overlay=none results-location=\"" + jsonl + "\" ! fakesink");
  RunResult r = run_pipeline(p);
  gst_object_unref(p);
  EXPECT_TRUE(r.eos) << r.error;
  const auto lines = read_lines(jsonl);
  ASSERT_EQ(lines.size(), boxes.size());  // one line per frame with a part in view, none for the others
  for (const std::string& line : lines) {
    const auto j = nlohmann::json::parse(line);
    const auto& expected = boxes[j["frame"].get<int>()];
    ASSERT_EQ(j["inspections"].size(), expected.size()) << line;
    for (size_t i = 0; i < expected.size(); ++i) {
      const auto& region = j["inspections"][i]["region"];
      EXPECT_EQ((std::vector<int>{region["x"], region["y"], region["w"], region["h"]}), expected[i]) << line;
      EXPECT_EQ(j["inspections"][i]["class"], "alpha");
    }
  }
}
