// Shared fixtures of the decodiffinspect element tests (test-gst, one file per test suite):
// GStreamer set-up, caps, elements and harnesses, and decodiff::Engine as the reference that
// the element's results are checked against.
#pragma once

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

namespace decodiff::inspect_test {

using namespace ::decodiff::gst_test;

class GstInit : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(NULL, NULL); }
};
// One registration for the whole binary (an inline variable), whichever files are linked in.
[[maybe_unused]] inline ::testing::Environment* const gst_env =
    ::testing::AddGlobalTestEnvironment(new GstInit);

constexpr int kW = 96, kH = 80;

inline std::string caps_for(const std::string& format, int w = kW, int h = kH, int fps = 10) {
  return "video/x-raw,format=" + format + ",width=" + std::to_string(w) + ",height=" + std::to_string(h) +
         ",framerate=" + std::to_string(fps) + "/1";
}

inline GstElement* make_element(const std::string& props = "") {
  std::string desc = "decodiffinspect model=\"" + tiny_model() + "\" device=cpu " + props;
  GError* err = NULL;
  GstElement* e = gst_parse_launch(desc.c_str(), &err);
  EXPECT_EQ(err, nullptr) << (err ? err->message : "");
  if (err) g_error_free(err);
  return e;
}

// A harness around a configured element (the harness plays it at once).
inline GstHarness* make_harness(const std::string& props, const std::string& caps) {
  GstElement* e = make_element(props);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h, caps.c_str());
  return h;
}

// The reference: decodiff::Engine::inspect on the same pixels, on CPU.
inline std::shared_ptr<decodiff::Engine> reference_engine() {
  static std::shared_ptr<decodiff::Engine> engine = decodiff::Engine::load(tiny_model(), {"cpu"});
  return engine;
}

inline decodiff::InspectResult reference(const std::vector<uint8_t>& rgb, int w, int h, int class_id = 0,
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

inline void expect_map_equals(const GstDecodiffMeta* meta, const decodiff::InspectResult& ref) {
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

inline void push_caps_and_segment(GstHarness* h, const std::string& caps) {
  gst_pad_push_event(h->srcpad, gst_event_new_caps(gst_caps_from_string(caps.c_str())));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(h->srcpad, gst_event_new_segment(&segment));
}

// GStreamer's own conversion (the videoconvert element, through
// gst_video_convert_sample) of a buffer from one caps to another.
inline GstBuffer* videoconvert(GstBuffer* in, const std::string& in_caps, const std::string& out_caps) {
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

}  // namespace decodiff::inspect_test
