// One inspected frame as the element reports it: the engine's maps plus the
// decisions the element takes on them (threshold, regions).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "inspector.h"

namespace decodiff::gst {

struct Region {
  Rect box;         // frame coordinates
  float score = 0;  // max of the map inside the component
};

// The element's decisions on one inspected region.
struct Verdict {
  Inspection inspection;
  float threshold = 0;
  bool anomalous = false;
  std::string class_name;
  std::vector<Region> regions;  // empty unless anomalous
  // Non-empty when the inspection failed (the engine gave a non-finite score
  // or map): the region is then anomalous, whatever the threshold, and its one
  // anomaly box is the whole inspected rectangle (fail-safe: never "ok").
  std::string error;
  int source_roi_id = -1;  // the upstream GstVideoRegionOfInterestMeta inspected (-1: none)
};

// One frame's result. With one inspected region it is that region's verdict
// and `inspections` is empty; with several, `inspections` holds each region's
// verdict (in the roi setting's order) and the frame's own verdict sums them
// up: anomalous when any region is, the highest score (its inspection, class
// and threshold), every anomaly box, and the first error.
struct Result : Verdict {
  static constexpr uint64_t kNoPts = std::numeric_limits<uint64_t>::max();  // == GST_CLOCK_TIME_NONE

  std::vector<Verdict> inspections;
  uint64_t frame_number = 0;
  uint64_t pts = kNoPts;
  int frame_width = 0, frame_height = 0;
  // Upstream regions only: the frame carried none of the inspected types, so
  // nothing was inspected and nothing is reported for it.
  bool nothing_inspected = false;

  // Every region's verdict: `inspections`, or the frame's own with one region.
  std::vector<const Verdict*> verdicts() const;
};

// Connected components (8-connectivity) of (frame_map >= threshold), as
// bounding boxes offset by (offset_x, offset_y), highest score first.
std::vector<Region> find_regions(const cv::Mat& frame_map, int offset_x, int offset_y, float threshold);

// Why the inspection cannot be trusted ("non-finite score", "non-finite
// anomaly map"), or "" when its score and maps are all finite.
std::string inspection_error(const Inspection& inspection);

// Fills threshold, anomalous, regions and error from the inspection.
void decide(Verdict& verdict, float threshold);

// The frame's verdict from several regions' (see Result).
void sum_up(Result& result);

}  // namespace decodiff::gst
