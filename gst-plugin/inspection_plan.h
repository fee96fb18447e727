// What is inspected on a frame: the model and the regions, each with its
// class and threshold. Every frame carries the plan it arrived with, so a
// changeover (class, roi or model set while playing) takes effect at one
// frame boundary, even for frames already waiting in a batch.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "image_view.h"
#include "inspector.h"

namespace decodiff::gst {

struct InspectionTarget {
  Rect rect;  // empty: the whole frame
  int class_id = 0;
  std::string class_name;
  double threshold = -1;  // < 0: the element's threshold property, else the calibrated one
  double calibrated_threshold = 0.5;
  int source_roi_id = -1;  // upstream regions: the id of the GstVideoRegionOfInterestMeta
};

struct InspectionPlan {
  std::shared_ptr<Inspector> inspector;
  std::vector<InspectionTarget> targets;          // at least one
  std::string model, class_setting, roi_setting;  // the settings it was made from
  bool upstream = false;                          // targets are the frame's own region metas (roi-types)
};

// A target of class `klass` (name or id) on `rect`: its id, name and
// calibrated threshold. Throws std::invalid_argument ("Unknown class ...").
InspectionTarget make_target(const Inspector& inspector, const std::string& klass, const Rect& rect);

// The plan for `inspector` from the class and roi settings (roi as
// parse_regions reads it). Throws std::invalid_argument with one line naming
// the bad value.
std::shared_ptr<const InspectionPlan> make_plan(std::shared_ptr<Inspector> inspector,
                                                const std::string& model, const std::string& class_setting,
                                                const std::string& roi_setting);

// Empty when every target fits in a width x height frame, else the first misfit.
std::string plan_fit_error(const InspectionPlan& plan, int width, int height);

}  // namespace decodiff::gst
