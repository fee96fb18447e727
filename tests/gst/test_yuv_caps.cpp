// decodiffinspect on YUV formats (suite YuvCapsTest): the engine sees what videoconvert would deliver.
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

namespace {

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

}  // namespace

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
