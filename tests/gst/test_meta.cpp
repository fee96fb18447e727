// GstDecodiffMeta alone: registration, ownership, copy and scale transforms.
#include <gst/decodiff/decodiffmeta.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <vector>

namespace {

class GstInit : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(NULL, NULL); }
};
[[maybe_unused]] ::testing::Environment* const gst_env = ::testing::AddGlobalTestEnvironment(new GstInit);

GstBuffer* buffer_with_meta() {
  GstBuffer* buf = gst_buffer_new_allocate(NULL, 100 * 80 * 3, NULL);
  GstDecodiffMeta* m = gst_buffer_add_decodiff_meta(buf);
  m->score = 0.8f;
  m->anomalous = TRUE;
  m->threshold = 0.5f;
  m->class_id = 2;
  gst_decodiff_meta_set_class_name(m, "gamma");
  m->frame_number = 12;
  m->inspected_frame_number = 10;
  m->stale = TRUE;
  std::vector<float> map(4 * 2);
  for (size_t i = 0; i < map.size(); ++i) map[i] = 0.1f * i;
  gst_decodiff_meta_set_map(m, 4, 2, map.data());
  m->map_frame_x = 10, m->map_frame_y = 20, m->map_frame_width = 80, m->map_frame_height = 40;
  GstDecodiffRegion regions[2] = {{12, 22, 10, 6, 0.8f}, {50, 30, 4, 4, 0.6f}};
  gst_decodiff_meta_set_regions(m, 2, regions);
  return buf;
}

}  // namespace

TEST(DecodiffMeta, RegistersOneApiWithVideoAndSizeTags) {
  EXPECT_NE(GST_DECODIFF_META_API_TYPE, G_TYPE_INVALID);
  EXPECT_EQ(GST_DECODIFF_META_INFO->api, GST_DECODIFF_META_API_TYPE);
  EXPECT_TRUE(
      gst_meta_api_type_has_tag(GST_DECODIFF_META_API_TYPE, g_quark_from_string(GST_META_TAG_VIDEO_STR)));
  EXPECT_TRUE(gst_meta_api_type_has_tag(GST_DECODIFF_META_API_TYPE,
                                        g_quark_from_string(GST_META_TAG_VIDEO_SIZE_STR)));
}

TEST(DecodiffMeta, SettersCopyTheirInput) {
  GstBuffer* buf = gst_buffer_new();
  GstDecodiffMeta* m = gst_buffer_add_decodiff_meta(buf);
  EXPECT_EQ(m->map_data, nullptr);
  EXPECT_EQ(m->inspected_pts, GST_CLOCK_TIME_NONE);
  float map[2] = {0.25f, 0.75f};
  gst_decodiff_meta_set_map(m, 2, 1, map);
  map[0] = 9;
  EXPECT_EQ(m->map_data[0], 0.25f);
  gst_decodiff_meta_set_map(m, 0, 0, NULL);
  EXPECT_EQ(m->map_data, nullptr);
  EXPECT_EQ(m->map_width, 0);
  EXPECT_EQ(gst_buffer_get_decodiff_meta(buf), m);
  gst_buffer_unref(buf);
}

TEST(DecodiffMeta, BufferCopyCarriesADeepCopy) {
  GstBuffer* buf = buffer_with_meta();
  GstBuffer* copy = gst_buffer_copy(buf);
  GstDecodiffMeta* a = gst_buffer_get_decodiff_meta(buf);
  GstDecodiffMeta* b = gst_buffer_get_decodiff_meta(copy);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->score, 0.8f);
  EXPECT_TRUE(b->anomalous);
  EXPECT_EQ(b->class_id, 2);
  EXPECT_STREQ(b->class_name, "gamma");
  EXPECT_NE(b->class_name, a->class_name);
  EXPECT_EQ(b->frame_number, 12u);
  EXPECT_EQ(b->inspected_frame_number, 10u);
  EXPECT_TRUE(b->stale);
  ASSERT_EQ(b->n_regions, 2u);
  EXPECT_NE(b->regions, a->regions);
  EXPECT_EQ(b->regions[1].x, 50);
  EXPECT_EQ(b->regions[1].score, 0.6f);
  ASSERT_NE(b->map_data, a->map_data);
  EXPECT_EQ(b->map_data[7], a->map_data[7]);
  gst_buffer_unref(buf);
  EXPECT_EQ(b->map_data[5], 0.1f * 5);  // still valid after the original is gone
  gst_buffer_unref(copy);
}

TEST(DecodiffMeta, ScaleTransformScalesCoordinates) {
  GstBuffer* buf = buffer_with_meta();
  GstBuffer* dest = gst_buffer_new();
  GstVideoInfo in, out;
  gst_video_info_set_format(&in, GST_VIDEO_FORMAT_RGB, 100, 80);
  gst_video_info_set_format(&out, GST_VIDEO_FORMAT_RGB, 200, 40);
  GstVideoMetaTransform trans = {&in, &out};
  GstMeta* meta = reinterpret_cast<GstMeta*>(gst_buffer_get_decodiff_meta(buf));
  ASSERT_TRUE(
      meta->info->transform_func(dest, meta, buf, gst_video_meta_transform_scale_get_quark(), &trans));
  GstDecodiffMeta* s = gst_buffer_get_decodiff_meta(dest);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->map_frame_x, 20);
  EXPECT_EQ(s->map_frame_y, 10);
  EXPECT_EQ(s->map_frame_width, 160);
  EXPECT_EQ(s->map_frame_height, 20);
  EXPECT_EQ(s->regions[0].x, 24);
  EXPECT_EQ(s->regions[0].y, 11);
  EXPECT_EQ(s->regions[0].width, 20);
  EXPECT_EQ(s->regions[0].height, 3);
  EXPECT_EQ(s->score, 0.8f);
  EXPECT_EQ(s->map_width, 4);  // the map itself stays at model resolution
  gst_buffer_unref(dest);
  gst_buffer_unref(buf);
}

TEST(DecodiffMeta, MapValueAtFramePixel) {
  GstBuffer* buf = buffer_with_meta();
  GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(buf);
  // 4x2 map over x 10..89, y 20..59: one map cell is 20x20 frame pixels.
  EXPECT_FLOAT_EQ(gst_decodiff_meta_map_value_at(m, 10, 20), 0.0f);
  EXPECT_FLOAT_EQ(gst_decodiff_meta_map_value_at(m, 31, 20), 0.1f);
  EXPECT_FLOAT_EQ(gst_decodiff_meta_map_value_at(m, 89, 59), 0.7f);
  EXPECT_FLOAT_EQ(gst_decodiff_meta_map_value_at(m, 30, 40), 0.5f);
  EXPECT_EQ(gst_decodiff_meta_map_value_at(m, 9, 20), -1.0f);
  EXPECT_EQ(gst_decodiff_meta_map_value_at(m, 90, 20), -1.0f);
  EXPECT_EQ(gst_decodiff_meta_map_value_at(m, 50, 60), -1.0f);
  gst_buffer_unref(buf);
}

TEST(DecodiffMeta, SeveralMetasAreIteratedInOrderAddedAndFoundByProducer) {
  GstBuffer* buf = gst_buffer_new();
  GstDecodiffMeta* first = gst_buffer_add_decodiff_meta(buf);
  EXPECT_EQ(first->producer, nullptr);
  EXPECT_FALSE(first->painted);
  EXPECT_EQ(first->error, nullptr);
  gst_decodiff_meta_set_producer(first, "station-a");
  first->painted = TRUE;
  first->score = 0.1f;
  GstDecodiffMeta* second = gst_buffer_add_decodiff_meta(buf);
  gst_decodiff_meta_set_producer(second, "station-b");
  gst_decodiff_meta_set_error(second, "non-finite score");
  second->score = 0.2f;

  std::vector<GstDecodiffMeta*> seen;
  gpointer state = NULL;
  while (GstDecodiffMeta* m = gst_buffer_iterate_decodiff_meta(buf, &state)) seen.push_back(m);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], first);  // in the order added: the element furthest upstream first
  EXPECT_EQ(seen[1], second);
  EXPECT_EQ(gst_buffer_get_decodiff_meta(buf), first);
  EXPECT_EQ(gst_buffer_get_decodiff_meta_by_producer(buf, "station-a"), first);
  EXPECT_EQ(gst_buffer_get_decodiff_meta_by_producer(buf, "station-b"), second);
  EXPECT_EQ(gst_buffer_get_decodiff_meta_by_producer(buf, "station-c"), nullptr);

  // copies keep the order and carry the new fields, as their own strings
  GstBuffer* copy = gst_buffer_copy(buf);
  EXPECT_STREQ(gst_buffer_get_decodiff_meta(copy)->producer, "station-a");
  GstDecodiffMeta* a = gst_buffer_get_decodiff_meta_by_producer(copy, "station-a");
  GstDecodiffMeta* b = gst_buffer_get_decodiff_meta_by_producer(copy, "station-b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(a->painted);
  EXPECT_EQ(a->score, 0.1f);
  EXPECT_EQ(a->error, nullptr);
  EXPECT_STREQ(b->error, "non-finite score");
  EXPECT_NE(b->error, second->error);
  gst_decodiff_meta_set_error(b, NULL);
  EXPECT_EQ(b->error, nullptr);
  gst_buffer_unref(copy);
  gst_buffer_unref(buf);
}

namespace {

// Two inspected regions, each with its own map and anomaly regions.
void add_inspections(GstDecodiffMeta* m) {
  float left_map[4] = {0.1f, 0.2f, 0.3f, 0.9f};
  float right_map[4] = {0.4f, 0.5f, 0.6f, 0.7f};
  GstDecodiffRegion left_boxes[1] = {{12, 22, 10, 6, 0.9f}};
  GstDecodiffInspection list[2] = {};
  list[0].x = 0, list[0].y = 0, list[0].width = 50, list[0].height = 40;
  list[0].class_id = 0;
  list[0].class_name = const_cast<gchar*>("alpha");
  list[0].score = 0.9f;
  list[0].anomalous = TRUE;
  list[0].threshold = 0.5f;
  list[0].map_width = 2, list[0].map_height = 2, list[0].map_data = left_map;
  list[0].map_frame_x = 4, list[0].map_frame_y = 4, list[0].map_frame_width = 40,
  list[0].map_frame_height = 30;
  list[0].n_regions = 1, list[0].regions = left_boxes;
  list[1].x = 50, list[1].y = 40, list[1].width = 50, list[1].height = 40;
  list[1].class_id = 2;
  list[1].class_name = const_cast<gchar*>("gamma");
  list[1].score = 0.7f;
  list[1].threshold = 0.8f;
  list[1].map_width = 2, list[1].map_height = 2, list[1].map_data = right_map;
  list[1].error = const_cast<gchar*>("non-finite score");
  gst_decodiff_meta_set_inspections(m, 2, list);
  left_map[0] = 9;  // the meta holds its own copies
  left_boxes[0].x = 99;
}

}  // namespace

TEST(DecodiffMeta, InspectionsAreCopiedDeeplyAndFollowCopyAndScale) {
  GstBuffer* buf = buffer_with_meta();
  GstDecodiffMeta* a = gst_buffer_get_decodiff_meta(buf);
  add_inspections(a);
  ASSERT_EQ(a->n_inspections, 2u);
  const GstDecodiffInspection* first = gst_decodiff_meta_get_inspection(a, 0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->map_data[0], 0.1f);
  EXPECT_EQ(first->regions[0].x, 12);
  EXPECT_STREQ(gst_decodiff_meta_get_inspection(a, 1)->error, "non-finite score");
  EXPECT_EQ(gst_decodiff_meta_get_inspection(a, 2), nullptr);

  GstBuffer* copy = gst_buffer_copy(buf);
  GstDecodiffMeta* b = gst_buffer_get_decodiff_meta(copy);
  ASSERT_EQ(b->n_inspections, 2u);
  EXPECT_NE(b->inspections, a->inspections);
  EXPECT_NE(b->inspections[0].map_data, a->inspections[0].map_data);
  EXPECT_STREQ(b->inspections[1].class_name, "gamma");
  gst_buffer_unref(buf);
  EXPECT_EQ(b->inspections[1].map_data[3], 0.7f);  // still valid after the original is gone

  GstBuffer* dest = gst_buffer_new();
  GstVideoInfo in, out;
  gst_video_info_set_format(&in, GST_VIDEO_FORMAT_RGB, 100, 80);
  gst_video_info_set_format(&out, GST_VIDEO_FORMAT_RGB, 200, 40);
  GstVideoMetaTransform trans = {&in, &out};
  GstMeta* meta = reinterpret_cast<GstMeta*>(b);
  ASSERT_TRUE(
      meta->info->transform_func(dest, meta, copy, gst_video_meta_transform_scale_get_quark(), &trans));
  GstDecodiffMeta* s = gst_buffer_get_decodiff_meta(dest);
  ASSERT_EQ(s->n_inspections, 2u);
  EXPECT_EQ(s->inspections[1].x, 100);
  EXPECT_EQ(s->inspections[1].y, 20);
  EXPECT_EQ(s->inspections[1].width, 100);
  EXPECT_EQ(s->inspections[1].height, 20);
  EXPECT_EQ(s->inspections[0].map_frame_x, 8);
  EXPECT_EQ(s->inspections[0].map_frame_height, 15);
  EXPECT_EQ(s->inspections[0].regions[0].x, 24);
  EXPECT_EQ(s->inspections[0].map_width, 2);  // maps stay at model resolution

  gst_decodiff_meta_set_inspections(s, 0, NULL);
  EXPECT_EQ(s->n_inspections, 0u);
  EXPECT_EQ(s->inspections, nullptr);
  gst_buffer_unref(dest);
  gst_buffer_unref(copy);
}
