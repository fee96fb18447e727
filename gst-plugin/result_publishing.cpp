#include "result_publishing.h"

#include <gst/video/gstvideometa.h>

#include <vector>

namespace decodiff::gst {

GstDecodiffMeta* attach_result_metas(GstBuffer* buffer, const Result& r, uint64_t frame,
                                     const std::string& producer) {
  const bool stale = r.frame_number != frame;
  GstDecodiffMeta* meta = gst_buffer_add_decodiff_meta(buffer);
  gst_decodiff_meta_set_producer(meta, producer.c_str());
  if (!r.error.empty()) gst_decodiff_meta_set_error(meta, r.error.c_str());
  meta->score = r.inspection.score;
  meta->anomalous = r.anomalous;
  meta->threshold = r.threshold;
  meta->class_id = r.inspection.class_id;
  gst_decodiff_meta_set_class_name(meta, r.class_name.c_str());
  meta->frame_number = frame;
  meta->inspected_frame_number = r.frame_number;
  meta->inspected_pts = r.pts;
  meta->stale = stale;
  meta->latency_ms = r.inspection.latency_ms;
  const cv::Mat& map = r.inspection.anomaly_map;
  if (!map.empty() && map.isContinuous())
    gst_decodiff_meta_set_map(meta, map.cols, map.rows, map.ptr<float>());
  meta->map_frame_x = r.inspection.map_rect.x;
  meta->map_frame_y = r.inspection.map_rect.y;
  meta->map_frame_width = r.inspection.map_rect.width;
  meta->map_frame_height = r.inspection.map_rect.height;
  std::vector<GstDecodiffRegion> regions;
  for (const auto& g : r.regions)
    regions.push_back(GstDecodiffRegion{g.box.x, g.box.y, g.box.width, g.box.height, g.score});
  gst_decodiff_meta_set_regions(meta, regions.size(), regions.data());

  gint id = 0;
  for (const auto& g : r.regions) {
    GstVideoRegionOfInterestMeta* roi = gst_buffer_add_video_region_of_interest_meta(
        buffer, "anomaly", g.box.x, g.box.y, g.box.width, g.box.height);
    roi->id = id++;
    GstStructure* param =
        gst_structure_new("decodiff", "score", G_TYPE_DOUBLE, (gdouble)g.score, "stale", G_TYPE_BOOLEAN,
                          (gboolean)stale, "producer", G_TYPE_STRING, producer.c_str(), NULL);
    if (!r.error.empty()) gst_structure_set(param, "error", G_TYPE_STRING, r.error.c_str(), NULL);
    gst_video_region_of_interest_meta_add_param(roi, param);
  }
  return meta;
}

GstStructure* new_result_structure(const Result& r) {
  GValue regions = G_VALUE_INIT;
  gst_value_array_init(&regions, r.regions.size());
  for (const auto& g : r.regions) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    GstStructure* s = gst_structure_new("region", "x", G_TYPE_INT, g.box.x, "y", G_TYPE_INT, g.box.y, "w",
                                        G_TYPE_INT, g.box.width, "h", G_TYPE_INT, g.box.height, "score",
                                        G_TYPE_DOUBLE, (gdouble)g.score, NULL);
    gst_value_set_structure(&v, s);
    gst_structure_free(s);
    gst_value_array_append_and_take_value(&regions, &v);
  }
  GstStructure* s = gst_structure_new(
      "decodiff-inspect", "frame", G_TYPE_UINT64, (guint64)r.frame_number, "pts", G_TYPE_UINT64,
      (guint64)r.pts, "score", G_TYPE_DOUBLE, (gdouble)r.inspection.score, "anomalous", G_TYPE_BOOLEAN,
      (gboolean)r.anomalous, "threshold", G_TYPE_DOUBLE, (gdouble)r.threshold, "class", G_TYPE_STRING,
      r.class_name.c_str(), "class-id", G_TYPE_INT, r.inspection.class_id, "latency-ms", G_TYPE_DOUBLE,
      r.inspection.latency_ms, NULL);
  gst_structure_take_value(s, "regions", &regions);
  if (!r.error.empty()) gst_structure_set(s, "error", G_TYPE_STRING, r.error.c_str(), NULL);
  return s;
}

}  // namespace decodiff::gst
