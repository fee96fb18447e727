// The batches of each shared engine: elements with the same model-instance-id
// submit their frames to one BatchScheduler, which lives as long as one of
// them holds it (like the engine, see inspector.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "batch_scheduler.h"

namespace decodiff::gst {

// The BatchScheduler of `instance_id`, made with `wanted` when no element
// holds one; `created` tells which (the first element's options apply).
std::shared_ptr<BatchScheduler> shared_batches(const std::string& instance_id, const BatchOptions& wanted,
                                               bool* created = nullptr);

// The real engine behind a BatchScheduler: one engine call for every region
// of the frames that share an inspector and steps (frames of an element that
// changed over to a private model go to that model, in their own call).
std::vector<FrameInspections> inspect_jobs(const std::vector<const BatchJob*>& jobs);

}  // namespace decodiff::gst
