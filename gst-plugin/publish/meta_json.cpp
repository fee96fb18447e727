#include "meta_json.h"

#include <cmath>

#include "json_float.h"

namespace decodiff::gst::publish {
namespace {

nlohmann::ordered_json score_value(float v) {
  if (!std::isfinite(v)) return nullptr;
  return short_float(v);
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
  nlohmann::ordered_json regions = nlohmann::ordered_json::array();
  for (guint i = 0; i < m.n_regions; ++i) {
    const GstDecodiffRegion& g = m.regions[i];
    nlohmann::ordered_json o;
    o["x"] = g.x;
    o["y"] = g.y;
    o["w"] = g.width;
    o["h"] = g.height;
    o["score"] = score_value(g.score);
    regions.push_back(std::move(o));
  }
  j["regions"] = std::move(regions);
  j["latency_ms"] = rounded_ms(m.latency_ms);
  if (m.error) j["error"] = m.error;
  return j;
}

}  // namespace decodiff::gst::publish
