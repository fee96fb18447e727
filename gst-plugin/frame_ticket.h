// A frame as the schedulers see it: its number, time, whether it is due and
// its pixels with the plan to inspect them by; and what the engine found on it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "image_view.h"
#include "inspection_plan.h"
#include "result.h"

namespace decodiff::gst {

// One frame offered to the scheduler. `pixels` must stay valid until the
// frame's decision has been popped.
struct FrameTicket {
  uint64_t number = 0;
  uint64_t pts = Result::kNoPts;
  bool due = true;  // to be inspected (else it carries the latest result)
  ImageView pixels;
  std::shared_ptr<const InspectionPlan> plan;  // what to inspect (the caller's; passed through)
};

// What the engine found on one frame: an inspection per inspected region.
using FrameInspections = std::vector<Inspection>;

}  // namespace decodiff::gst
