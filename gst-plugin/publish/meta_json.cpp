#include "meta_json.h"

#include <cmath>

#include "json_float.h"

namespace decodiff::gst::publish {
namespace {

nlohmann::ordered_json score_value(float v) {
  if (!std::isfinite(v)) return nullptr;
  return short_float(v);
}

nlohmann::ordered_json regions_value(const GstDecodiffRegion* regions, guint n) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (guint i = 0; i < n; ++i) {
    const GstDecodiffRegion& g = regions[i];
    nlohmann::ordered_json o;
    o["x"] = g.x;
    o["y"] = g.y;
    o["w"] = g.width;
    o["h"] = g.height;
    o["score"] = score_value(g.score);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

nlohmann::ordered_json meta_json(const GstDecodiffMeta& m) {
  nlohmann::ordered_json j;
  j["schema"] = kSchemaVersion;
  if (m.producer)
    j["element"] = m.producer;
  else
    j["element"] = nullptr;
  j["frame"] = static_cast<uint64_t>(m.inspected_frame_number);
  if (GST_CLOCK_TIME_IS_VALID(m.inspected_pts))
    j["pts"] = static_cast<uint64_t>(m.inspected_pts);
  else
    j["pts"] = -1;
  j["score"] = score_value(m.score);
  j["anomalous"] = static_cast<bool>(m.anomalous);
  j["threshold"] = short_float(m.threshold);
  j["class"] = m.class_name ? m.class_name : "";
  j["regions"] = regions_value(m.regions, m.n_regions);
  j["latency_ms"] = rounded_ms(m.latency_ms);
  if (m.error) j["error"] = m.error;
  // Several inspected regions: each one, as the results-location line lists them.
  if (m.n_inspections > 1) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (guint i = 0; i < m.n_inspections; ++i) {
      const GstDecodiffInspection& in = m.inspections[i];
      nlohmann::ordered_json o;
      o["region"] = {{"x", in.x}, {"y", in.y}, {"w", in.width}, {"h", in.height}};
      o["class"] = in.class_name ? in.class_name : "";
      o["score"] = score_value(in.score);
      o["anomalous"] = static_cast<bool>(in.anomalous);
      o["threshold"] = short_float(in.threshold);
      o["regions"] = regions_value(in.regions, in.n_regions);
      if (in.error) o["error"] = in.error;
      list.push_back(std::move(o));
    }
    j["inspections"] = std::move(list);
  }
  return j;
}

}  // namespace decodiff::gst::publish
