// The element's settings as plain values, read from its properties under the
// object lock in one go (a snapshot), so no other code touches the GObject.
#pragma once

#include <glib.h>

#include <string>

#include "enum_types.h"

namespace decodiff::gst {

// Fixed from start() to stop(): refused while the element runs.
struct StartSettings {
  std::string element_name;  // the producer named in metas and messages
  std::string model;
  std::string device = "auto";
  std::string precision = "fp32";
  std::string class_name;  // empty: the model's class 0
  int steps = 0;           // 0: the model's default
  std::string results_location;
  std::string roi;        // empty: the whole frame
  std::string roi_types;  // non-empty: inspect the upstream region metas of these types instead of roi
  std::string class_map;  // "type=class,...": the class of each upstream region type
  std::string model_instance_id;
  GstDecodiffMode mode = GST_DECODIFF_MODE_SYNC;
  guint batch_size = 1;
  guint max_batch_wait_ms = 0;  // shared engine: how long a frame may wait for a full batch
};

// May change at any time; read again for every frame.
struct RuntimeSettings {
  double threshold = -1;  // < 0: the model's calibrated threshold
  GstDecodiffOverlay overlay = GST_DECODIFF_OVERLAY_HEATMAP;
  double overlay_alpha = 0.4;
  GstDecodiffMessage message = GST_DECODIFF_MESSAGE_ANOMALIES;
  guint interval = 1;
  guint max_consecutive_errors = 5;
};

}  // namespace decodiff::gst
