#include "result_publishing.h"

#include <gst/video/gstvideometa.h>

#include <algorithm>
#include <vector>

namespace decodiff::gst {
namespace {

std::vector<GstDecodiffRegion> c_regions(const std::vector<Region>& regions) {
  std::vector<GstDecodiffRegion> out;
  for (const auto& g : regions)
    out.push_back(GstDecodiffRegion{g.box.x, g.box.y, g.box.width, g.box.height, g.score});
  return out;
}

}  // namespace

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
  const std::vector<GstDecodiffRegion> regions = c_regions(r.regions);
  gst_decodiff_meta_set_regions(meta, regions.size(), regions.data());

  // Every inspected region's own result (the meta copies what it points at).
  const std::vector<const Verdict*> verdicts = r.verdicts();
  std::vector<std::vector<GstDecodiffRegion>> boxes(verdicts.size());
  std::vector<GstDecodiffInspection> inspections(verdicts.size());
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const Verdict& v = *verdicts[i];
    const Inspection& in = v.inspection;
    GstDecodiffInspection& c = inspections[i];
    c.x = in.inspected.x, c.y = in.inspected.y, c.width = in.inspected.width, c.height = in.inspected.height;
    c.class_id = in.class_id;
    c.class_name = const_cast<gchar*>(v.class_name.c_str());
    c.score = in.score;
    c.anomalous = v.anomalous;
    c.threshold = v.threshold;
    if (!in.anomaly_map.empty() && in.anomaly_map.isContinuous()) {
      c.map_width = in.anomaly_map.cols;
      c.map_height = in.anomaly_map.rows;
      c.map_data = const_cast<gfloat*>(in.anomaly_map.ptr<float>());
    }
    c.map_frame_x = in.map_rect.x, c.map_frame_y = in.map_rect.y;
    c.map_frame_width = in.map_rect.width, c.map_frame_height = in.map_rect.height;
    boxes[i] = c_regions(v.regions);
    c.n_regions = boxes[i].size();
    c.regions = boxes[i].data();
    c.error = v.error.empty() ? nullptr : const_cast<gchar*>(v.error.c_str());
  }
  gst_decodiff_meta_set_inspections(meta, inspections.size(), inspections.data());

  // Upstream regions (roi-types): each result also goes onto the region's
  // own meta, and its anomalies name that region as their parent. Their ids
  // then follow the highest id already on the buffer.
  gint id = 0;
  if (std::any_of(verdicts.begin(), verdicts.end(), [](const Verdict* v) { return v->source_roi_id >= 0; })) {
    gpointer state = NULL;
    while (GstMeta* m =
               gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
      id = std::max(id, reinterpret_cast<GstVideoRegionOfInterestMeta*>(m)->id + 1);
  }
  for (const Verdict* v : verdicts) {
    const gint parent = stale ? -1 : v->source_roi_id;
    if (parent >= 0) {
      if (GstVideoRegionOfInterestMeta* source =
              gst_buffer_get_video_region_of_interest_meta_id(buffer, parent)) {
        GstStructure* result = gst_structure_new(
            "decodiff", "score", G_TYPE_DOUBLE, (gdouble)v->inspection.score, "anomalous", G_TYPE_BOOLEAN,
            (gboolean)v->anomalous, "class", G_TYPE_STRING, v->class_name.c_str(), "threshold", G_TYPE_DOUBLE,
            (gdouble)v->threshold, "producer", G_TYPE_STRING, producer.c_str(), NULL);
        if (!v->error.empty()) gst_structure_set(result, "error", G_TYPE_STRING, v->error.c_str(), NULL);
        gst_video_region_of_interest_meta_add_param(source, result);
      }
    }
    for (const auto& g : v->regions) {
      GstVideoRegionOfInterestMeta* roi = gst_buffer_add_video_region_of_interest_meta(
          buffer, "anomaly", g.box.x, g.box.y, g.box.width, g.box.height);
      roi->id = id++;
      roi->parent_id = parent;
      GstStructure* param =
          gst_structure_new("decodiff", "score", G_TYPE_DOUBLE, (gdouble)g.score, "stale", G_TYPE_BOOLEAN,
                            (gboolean)stale, "producer", G_TYPE_STRING, producer.c_str(), NULL);
      if (!v->error.empty()) gst_structure_set(param, "error", G_TYPE_STRING, v->error.c_str(), NULL);
      gst_video_region_of_interest_meta_add_param(roi, param);
    }
  }
  return meta;
}

namespace {

// The anomaly boxes as a GstValueArray of "region" structures.
void take_regions(GstStructure* s, const std::vector<Region>& regions) {
  GValue array = G_VALUE_INIT;
  gst_value_array_init(&array, regions.size());
  for (const auto& g : regions) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    GstStructure* region = gst_structure_new("region", "x", G_TYPE_INT, g.box.x, "y", G_TYPE_INT, g.box.y,
                                             "w", G_TYPE_INT, g.box.width, "h", G_TYPE_INT, g.box.height,
                                             "score", G_TYPE_DOUBLE, (gdouble)g.score, NULL);
    gst_value_set_structure(&v, region);
    gst_structure_free(region);
    gst_value_array_append_and_take_value(&array, &v);
  }
  gst_structure_take_value(s, "regions", &array);
}

}  // namespace

GstStructure* new_result_structure(const Result& r) {
  GstStructure* s = gst_structure_new(
      "decodiff-inspect", "frame", G_TYPE_UINT64, (guint64)r.frame_number, "pts", G_TYPE_UINT64,
      (guint64)r.pts, "score", G_TYPE_DOUBLE, (gdouble)r.inspection.score, "anomalous", G_TYPE_BOOLEAN,
      (gboolean)r.anomalous, "threshold", G_TYPE_DOUBLE, (gdouble)r.threshold, "class", G_TYPE_STRING,
      r.class_name.c_str(), "class-id", G_TYPE_INT, r.inspection.class_id, "latency-ms", G_TYPE_DOUBLE,
      r.inspection.latency_ms, NULL);
  take_regions(s, r.regions);
  if (!r.error.empty()) gst_structure_set(s, "error", G_TYPE_STRING, r.error.c_str(), NULL);
  if (!r.inspections.empty()) {
    GValue list = G_VALUE_INIT;
    gst_value_array_init(&list, r.inspections.size());
    for (const Verdict& v : r.inspections) {
      const Rect& area = v.inspection.inspected;
      GstStructure* one = gst_structure_new(
          "inspection", "x", G_TYPE_INT, area.x, "y", G_TYPE_INT, area.y, "w", G_TYPE_INT, area.width, "h",
          G_TYPE_INT, area.height, "class", G_TYPE_STRING, v.class_name.c_str(), "class-id", G_TYPE_INT,
          v.inspection.class_id, "score", G_TYPE_DOUBLE, (gdouble)v.inspection.score, "anomalous",
          G_TYPE_BOOLEAN, (gboolean)v.anomalous, "threshold", G_TYPE_DOUBLE, (gdouble)v.threshold, NULL);
      take_regions(one, v.regions);
      if (!v.error.empty()) gst_structure_set(one, "error", G_TYPE_STRING, v.error.c_str(), NULL);
      GValue value = G_VALUE_INIT;
      g_value_init(&value, GST_TYPE_STRUCTURE);
      gst_value_set_structure(&value, one);
      gst_structure_free(one);
      gst_value_array_append_and_take_value(&list, &value);
    }
    gst_structure_take_value(s, "inspections", &list);
  }
  return s;
}

}  // namespace decodiff::gst
