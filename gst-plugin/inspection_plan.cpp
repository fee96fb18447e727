#include "inspection_plan.h"

#include <stdexcept>

#include "property_parsing.h"

namespace decodiff::gst {

namespace {
constexpr double kFallbackThreshold = 0.5;  // for models without a calibrated threshold
}

InspectionTarget make_target(const Inspector& inspector, const std::string& klass, const Rect& rect) {
  InspectionTarget target;
  target.rect = rect;
  try {
    target.class_id = klass.empty() ? 0 : inspector.resolve_class(klass);
    target.class_name = inspector.class_name(target.class_id);
  } catch (const std::exception& e) {
    throw std::invalid_argument("Unknown class \"" + klass + "\": " + e.what());
  }
  target.calibrated_threshold = inspector.calibrated_threshold(target.class_id).value_or(kFallbackThreshold);
  return target;
}

std::shared_ptr<const InspectionPlan> make_plan(std::shared_ptr<Inspector> inspector,
                                                const std::string& model, const std::string& class_setting,
                                                const std::string& roi_setting) {
  if (!class_setting.empty()) {
    const Parsed<ClassSetting> klass = parse_class(class_setting);
    if (!klass.ok()) throw std::invalid_argument(klass.error);
  }
  const Parsed<std::vector<RegionSetting>> roi = parse_regions(roi_setting);
  if (!roi.ok()) throw std::invalid_argument(roi.error);
  auto plan = std::make_shared<InspectionPlan>();
  plan->model = model;
  plan->class_setting = class_setting;
  plan->roi_setting = roi_setting;
  std::vector<RegionSetting> regions = roi.value;
  if (regions.empty()) regions.push_back(RegionSetting{});  // the whole frame
  for (const RegionSetting& region : regions) {
    const std::string& klass = region.class_name.empty() ? class_setting : region.class_name;
    InspectionTarget target = make_target(*inspector, klass, region.rect);
    target.threshold = region.threshold;
    plan->targets.push_back(target);
  }
  plan->inspector = std::move(inspector);
  return plan;
}

std::string plan_fit_error(const InspectionPlan& plan, int width, int height) {
  for (size_t i = 0; i < plan.targets.size(); ++i) {
    const std::string misfit = roi_fit_error(plan.targets[i].rect, width, height);
    if (misfit.empty()) continue;
    return plan.targets.size() > 1 ? "region " + std::to_string(i + 1) + ": " + misfit : misfit;
  }
  return "";
}

}  // namespace decodiff::gst
