// The published form of one result: the JSON object that decodiffpublish
// sends (MQTT payload, JSON line, snapshot sidecar). Versioned (docs/metadata-api.md):
//
//   {"schema":1,"element":"inspect0","frame":N,"pts":ns,"score":f,"anomalous":b,
//    "threshold":f,"class":"...","regions":[{"x":..,"y":..,"w":..,"h":..,"score":..}],
//    "latency_ms":f}                                      (+ "error":"..." on a failed inspection)
//
// After "schema" and "element" come exactly the keys, order and number
// formats of decodiffinspect's results-location lines, "inspections" included
// when the inspector has several regions.
#pragma once

#include <gst/decodiff/decodiffmeta.h>

#include <nlohmann/json.hpp>

namespace decodiff::gst::publish {

// The schema version written in "schema". Raised when a key changes meaning or
// goes away; new keys may be added at the end without raising it.
constexpr int kSchemaVersion = 1;

// The object for `meta`'s result: "frame" and "pts" are those of the
// inspected frame (inspected_frame_number, inspected_pts), "element" the
// meta's producer (null when unknown). Non-finite scores are written as null.
nlohmann::ordered_json meta_json(const GstDecodiffMeta& meta);

}  // namespace decodiff::gst::publish
