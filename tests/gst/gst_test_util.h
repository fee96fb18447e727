// Shared helpers of the decodiffinspect tests: frames, harnesses, bus and log capture.
#pragma once

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../common/paths.h"
#include "../common/temp_dir.h"

namespace decodiff::gst_test {

inline std::string tiny_model() { return ::decodiff::testing::golden_path("tiny_model.safetensors"); }

// A scratch file path unique to this test, in a temp folder of this process (removed at exit).
inline std::string scratch(const std::string& name) {
  static const ::decodiff::testing::TempDir dir("gst");
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : test)
    if (c == '/') c = '_';
  return dir.file(test + "." + name);
}

#define SKIP_WITHOUT_TINY_MODEL()                                                                 \
  do {                                                                                            \
    if (!g_file_test(::decodiff::gst_test::tiny_model().c_str(), G_FILE_TEST_EXISTS))             \
      GTEST_SKIP() << "tests/fixtures/golden/tiny_model.safetensors is missing (see its README)"; \
  } while (0)

// Deterministic RGB content: gradients plus a bright square whose position
// depends on `seed`, so that different seeds give different maps.
inline std::vector<uint8_t> rgb_pattern(int width, int height, int seed) {
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3);
  const int sx = (seed * 17) % std::max(1, width - 12), sy = (seed * 11) % std::max(1, height - 12);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
      bool square = x >= sx && x < sx + 12 && y >= sy && y < sy + 12;
      p[0] = square ? 250 : static_cast<uint8_t>((x * 255) / std::max(1, width - 1));
      p[1] = square ? 30 : static_cast<uint8_t>((y * 255) / std::max(1, height - 1));
      p[2] = static_cast<uint8_t>((x * 7 + y * 13 + seed * 29) & 0xff);
    }
  return rgb;
}

// Writes RGB content into a buffer of the given caps (one of the element's
// packed formats), with GStreamer's default strides.
inline GstBuffer* make_buffer(const std::string& caps_str, const std::vector<uint8_t>& rgb, GstClockTime pts,
                              GstClockTime duration) {
  GstCaps* caps = gst_caps_from_string(caps_str.c_str());
  GstVideoInfo info;
  EXPECT_TRUE(gst_video_info_from_caps(&info, caps));
  gst_caps_unref(caps);
  const GstVideoFormatInfo* fi = info.finfo;
  const int ps = GST_VIDEO_INFO_COMP_PSTRIDE(&info, 0);
  GstBuffer* buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  memset(map.data, 0x7f, map.size);
  const int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        map.data[y * GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) + x * ps + GST_VIDEO_FORMAT_INFO_POFFSET(fi, c)] =
            rgb[(static_cast<size_t>(y) * w + x) * 3 + c];
  gst_buffer_unmap(buf, &map);
  GST_BUFFER_PTS(buf) = pts;
  GST_BUFFER_DURATION(buf) = duration;
  return buf;
}

// Collects messages posted by an element that has no pipeline.
struct BusWatch {
  GstBus* bus = gst_bus_new();
  explicit BusWatch(GstElement* element) { gst_element_set_bus(element, bus); }
  ~BusWatch() { gst_object_unref(bus); }
  std::vector<GstMessage*> pop_all(GstMessageType types) {
    std::vector<GstMessage*> out;
    while (GstMessage* m = gst_bus_pop_filtered(bus, types)) out.push_back(m);
    return out;
  }
  // The text of the first ERROR message ("" when none).
  std::string error_text() {
    std::string text;
    for (GstMessage* m : pop_all(GST_MESSAGE_ERROR)) {
      GError* err = NULL;
      gchar* dbg = NULL;
      gst_message_parse_error(m, &err, &dbg);
      if (text.empty()) text = err->message;
      g_error_free(err);
      g_free(dbg);
      gst_message_unref(m);
    }
    return text;
  }
};

// What a launched pipeline posted until its EOS or first ERROR (or the timeout).
struct RunMessages {
  std::string launch_error;  // gst_parse_launch refused the description
  std::vector<std::string> warnings, errors;
  bool eos = false;
};

// Runs a gst-launch description to its end: PLAYING, then the bus's WARNING
// messages until EOS, the first ERROR or `timeout` without a message; then NULL.
inline RunMessages run_to_end(const std::string& desc, GstClockTime timeout) {
  RunMessages posted;
  GError* err = NULL;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  if (err) {
    posted.launch_error = err->message;
    g_error_free(err);
    if (pipeline) gst_object_unref(pipeline);
    return posted;
  }
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (!posted.eos && posted.errors.empty()) {
    GstMessage* m = gst_bus_timed_pop_filtered(
        bus, timeout, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
    if (!m) break;
    GError* e = NULL;
    gchar* dbg = NULL;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) posted.eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning(m, &e, &dbg);
      posted.warnings.push_back(e->message);
    }
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      gst_message_parse_error(m, &e, &dbg);
      posted.errors.push_back(e->message);
    }
    if (e) g_error_free(e);
    g_free(dbg);
    gst_message_unref(m);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return posted;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace decodiff::gst_test
