// decodiffpublish snapshot-location (suite PublishSnapshots): the saved frame
// equals the frame that arrived, the heatmap picture, the sidecar, the disk
// budget, painted frames and a folder that cannot be written.
#include <gst/video/video.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <dirent.h>

#include <algorithm>

#include "gst_test_util.h"
#include "publish_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::publish_test;

namespace {

std::vector<std::string> list(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> with_suffix(const std::vector<std::string>& names, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& n : names)
    if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(n);
  return out;
}

// The buffer's pixels as BGR (packed RGB with GStreamer strides).
cv::Mat rgb_buffer_as_bgr(GstBuffer* b, int w, int h) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, w, h);
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_READ);
  cv::Mat rgb(h, w, CV_8UC3, map.data, GST_VIDEO_INFO_PLANE_STRIDE(&info, 0));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  gst_buffer_unmap(b, &map);
  return bgr;
}

double max_diff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  double m = 0;
  cv::minMaxLoc(diff.reshape(1), nullptr, &m);
  return m;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(PublishSnapshots, RawImageIsTheInspectedFrameAndTheSidecarThePublishedObject) {
  SKIP_WITHOUT_TINY_MODEL();
  constexpr int kW = 96, kH = 80;
  const std::string caps = "video/x-raw,format=RGB,width=96,height=80,framerate=10/1";
  const decodiff::testing::TempDir dir("snapshots");
  const std::string published = scratch("published.jsonl");
  GstHarness* h = gst_harness_new_parse(("decodiffinspect name=inspect model=\"" + tiny_model() +
                                         "\" device=cpu overlay=none threshold=0 ! decodiffpublish name=pub "
                                         "snapshot-format=png location=" +
                                         published + " snapshot-location=" + dir.str())
                                            .c_str());
  gst_harness_set_src_caps_str(h, caps.c_str());
  std::vector<cv::Mat> inputs;
  for (int i = 0; i < 2; ++i) {
    GstBuffer* in = make_buffer(caps, rgb_pattern(kW, kH, i), i * GST_SECOND / 10, GST_SECOND / 10);
    inputs.push_back(rgb_buffer_as_bgr(in, kW, kH));
    ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(h));
  }
  gst_harness_teardown(h);  // stop() waits for the snapshot writer

  const auto names = list(dir.str());
  ASSERT_EQ(names.size(), 6u);
  const auto raws = with_suffix(names, "_raw.png"), heats = with_suffix(names, "_heatmap.png"),
             sidecars = with_suffix(names, ".json");
  ASSERT_EQ(raws.size(), 2u);
  ASSERT_EQ(heats.size(), 2u);
  ASSERT_EQ(sidecars.size(), 2u);
  const auto lines = read_lines(published);
  ASSERT_EQ(lines.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(raws[i].find("_f00000000000" + std::to_string(i) + "_inspect_raw.png"), std::string::npos)
        << raws[i];
    const cv::Mat raw = cv::imread(dir.file(raws[i]), cv::IMREAD_COLOR);
    ASSERT_EQ(raw.size(), inputs[i].size());
    EXPECT_EQ(max_diff(raw, inputs[i]), 0.0) << "the raw snapshot is the frame as it arrived";
    const cv::Mat heat = cv::imread(dir.file(heats[i]), cv::IMREAD_COLOR);
    ASSERT_EQ(heat.size(), inputs[i].size());
    EXPECT_GT(max_diff(heat, inputs[i]), 50.0) << "the heatmap picture shows the map";

    nlohmann::ordered_json sidecar = nlohmann::ordered_json::parse(read_all(dir.file(sidecars[i])));
    EXPECT_EQ(sidecar["painted"], false);
    EXPECT_EQ(sidecar["raw_image"], raws[i]);
    EXPECT_EQ(sidecar["heatmap_image"], heats[i]);
    sidecar.erase("painted");
    sidecar.erase("raw_image");
    sidecar.erase("heatmap_image");
    EXPECT_EQ(sidecar.dump(), lines[i]);
  }
}

TEST(PublishSnapshots, YuvFramesAreSavedAsVideoconvertMakesThemRgb) {
  const decodiff::testing::TempDir dir("snapshots-yuv");
  const int w = 48, h = 40;
  GstBuffer* rgb = meta_buffer(0, true, w, h);
  GstCaps* rgb_caps_ = gst_caps_from_string(rgb_caps(w, h).c_str());
  GstCaps* i420_caps = gst_caps_from_string("video/x-raw,format=I420,width=48,height=40,framerate=10/1");
  GstSample* sample = gst_sample_new(rgb, rgb_caps_, NULL, NULL);
  GstSample* i420 = gst_video_convert_sample(sample, i420_caps, GST_SECOND, NULL);
  ASSERT_NE(i420, nullptr);
  GstBuffer* yuv = gst_buffer_copy_deep(gst_sample_get_buffer(i420));
  // The metas were not converted along: the result as decodiffinspect attaches it.
  GstDecodiffMeta* m = gst_buffer_add_decodiff_meta(yuv);
  const GstDecodiffMeta* src = gst_buffer_get_decodiff_meta(rgb);
  gst_decodiff_meta_set_producer(m, "inspect0");
  m->anomalous = TRUE;
  m->score = src->score;
  gst_decodiff_meta_set_map(m, src->map_width, src->map_height, src->map_data);
  m->map_frame_width = m->map_frame_height = 32;
  // What the engine saw: GStreamer's conversion back to RGB.
  GstSample* yuv_sample = gst_sample_new(yuv, i420_caps, NULL, NULL);
  GstSample* back = gst_video_convert_sample(yuv_sample, rgb_caps_, GST_SECOND, NULL);
  const cv::Mat expected = rgb_buffer_as_bgr(gst_sample_get_buffer(back), w, h);

  GstHarness* hs = publish_harness(
      "method=file location=" + scratch("yuv.jsonl") + " snapshot-format=png snapshot-location=" + dir.str(),
      "video/x-raw,format=I420,width=48,height=40,framerate=10/1");
  ASSERT_EQ(gst_harness_push(hs, gst_buffer_ref(yuv)), GST_FLOW_OK);
  gst_buffer_unref(gst_harness_pull(hs));
  gst_harness_teardown(hs);
  const auto raws = with_suffix(list(dir.str()), "_raw.png");
  ASSERT_EQ(raws.size(), 1u);
  const cv::Mat raw = cv::imread(dir.file(raws[0]), cv::IMREAD_COLOR);
  EXPECT_EQ(max_diff(raw, expected), 0.0);

  for (GstSample* s : {sample, i420, yuv_sample, back}) gst_sample_unref(s);
  gst_buffer_unref(rgb);
  gst_buffer_unref(yuv);
  gst_caps_unref(rgb_caps_);
  gst_caps_unref(i420_caps);
}

TEST(PublishSnapshots, JpegIsCloseToTheFrameAndTheBudgetKeepsTheNewest) {
  const decodiff::testing::TempDir dir("snapshots-budget");
  const int w = 64, h = 48;
  // Smooth content, so that JPEG stays close.
  GstHarness* hs = publish_harness("method=file location=" + scratch("budget.jsonl") +
                                       " snapshot-max-files=6 snapshot-location=" + dir.str(),
                                   rgb_caps(w, h));
  cv::Mat last;
  for (uint64_t i = 0; i < 5; ++i) {
    GstBuffer* b = meta_buffer(i, true, w, h);
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_WRITE);
    for (gsize k = 0; k < map.size; ++k) map.data[k] = static_cast<guint8>(60 + (k / 3 % w) + i * 10);
    gst_buffer_unmap(b, &map);
    last = rgb_buffer_as_bgr(b, w, h);
    ASSERT_EQ(gst_harness_push(hs, b), GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(hs));
    // one at a time, so that no job waits behind another (none is dropped)
    ASSERT_TRUE(eventually([&] { return publisher_counter(hs, "snapshots-saved") == i + 1; }));
  }
  EXPECT_EQ(publisher_counter(hs, "snapshots-dropped"), 0u);
  gst_harness_teardown(hs);
  const auto names = list(dir.str());
  ASSERT_EQ(names.size(), 6u);  // the two newest snapshots
  const auto raws = with_suffix(names, "_raw.jpg");
  ASSERT_EQ(raws.size(), 2u);
  EXPECT_NE(raws[0].find("_f000000000003_"), std::string::npos);
  EXPECT_NE(raws[1].find("_f000000000004_"), std::string::npos);
  const cv::Mat raw = cv::imread(dir.file(raws[1]), cv::IMREAD_COLOR);
  cv::Mat diff;
  cv::absdiff(raw, last, diff);
  EXPECT_LT(cv::mean(diff.reshape(1))[0], 2.0);  // JPEG quality 95 on smooth content

  // A byte budget smaller than two snapshots keeps one.
  GstHarness* small =
      publish_harness("method=file location=" + scratch("budget2.jsonl") +
                          " snapshot-max-files=0 snapshot-max-bytes=1 snapshot-location=" + dir.str(),
                      rgb_caps(w, h));
  ASSERT_EQ(gst_harness_push(small, meta_buffer(9, true, w, h)), GST_FLOW_OK);
  gst_buffer_unref(gst_harness_pull(small));
  gst_harness_teardown(small);
  const auto left = list(dir.str());
  ASSERT_EQ(left.size(), 3u);
  EXPECT_NE(left[0].find("_f000000000009_"), std::string::npos);
}

TEST(PublishSnapshots, UnwritableFolderWarnsCountsAndTheVideoFlows) {
  GstBus* bus = gst_bus_new();
  GstHarness* hs = publish_harness(
      "method=file location=" + scratch("unwritable.jsonl") + " snapshot-location=/dev/null/rejects",
      rgb_caps(), bus);
  for (uint64_t i = 0; i < 4; ++i) {
    ASSERT_EQ(gst_harness_push(hs, meta_buffer(i, true)), GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(hs));
    ASSERT_TRUE(eventually([&] { return publisher_counter(hs, "snapshots-failed") == i + 1; }));
  }
  EXPECT_EQ(publisher_counter(hs, "sent"), 4u);  // the JSON still goes out
  gst_harness_teardown(hs);
  const auto warnings = texts(bus, GST_MESSAGE_WARNING);
  gst_object_unref(bus);
  ASSERT_EQ(warnings.size(), 1u);  // at start; the failures after it are counted
  EXPECT_NE(warnings[0].find("Cannot use snapshot-location /dev/null/rejects: Not a directory"),
            std::string::npos)
      << warnings[0];
}

TEST(PublishSnapshots, PaintedFramesWarnOnceAndTheSidecarSaysSo) {
  const decodiff::testing::TempDir dir("snapshots-painted");
  GstHarness* hs =
      publish_harness("method=file location=" + scratch("painted.jsonl") + " snapshot-location=" + dir.str());
  BusWatch bus(hs->element);
  for (uint64_t i = 0; i < 2; ++i) {
    GstBuffer* b = meta_buffer(i, true);
    gst_buffer_get_decodiff_meta(b)->painted = TRUE;
    ASSERT_EQ(gst_harness_push(hs, b), GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(hs));
  }
  gst_harness_teardown(hs);
  const auto warnings = texts(bus.bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("Set overlay=none on \"inspect0\""), std::string::npos) << warnings[0];
  const auto sidecars = with_suffix(list(dir.str()), ".json");
  ASSERT_EQ(sidecars.size(), 2u);
  for (const auto& s : sidecars) EXPECT_EQ(nlohmann::json::parse(read_all(dir.file(s)))["painted"], true);
}
