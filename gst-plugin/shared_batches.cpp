#include "shared_batches.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "error_text.h"

namespace decodiff::gst {

std::shared_ptr<BatchScheduler> shared_batches(const std::string& instance_id, const BatchOptions& wanted,
                                               bool* created) {
  struct Registry {
    std::mutex mutex;
    std::map<std::string, std::weak_ptr<BatchScheduler>> batches;
  };
  static Registry* registry = new Registry();  // never destroyed: elements may outlive static destruction
  std::lock_guard<std::mutex> lock(registry->mutex);
  if (created) *created = false;
  if (auto existing = registry->batches[instance_id].lock()) return existing;
  auto made = std::make_shared<BatchScheduler>(wanted, inspect_jobs);
  registry->batches[instance_id] = made;
  if (created) *created = true;
  return made;
}

std::vector<FrameInspections> inspect_jobs(const std::vector<const BatchJob*>& jobs) {
  std::vector<FrameInspections> out(jobs.size());
  std::vector<bool> done(jobs.size(), false);
  for (size_t first = 0; first < jobs.size(); ++first) {
    if (done[first]) continue;
    const std::shared_ptr<Inspector>& inspector = jobs[first]->frame.plan->inspector;
    const int steps = jobs[first]->steps;
    std::vector<InspectRequest> requests;
    std::vector<size_t> members;
    for (size_t i = first; i < jobs.size(); ++i) {
      const BatchJob& j = *jobs[i];
      if (done[i] || j.frame.plan->inspector != inspector || j.steps != steps) continue;
      done[i] = true;
      members.push_back(i);
      for (const InspectionTarget& t : j.frame.plan->targets)
        requests.push_back(InspectRequest{j.frame.pixels, t.class_id, t.rect});
    }
    std::vector<Inspection> flat;
    try {
      if (!requests.empty()) flat = inspector->inspect(requests, steps);
    } catch (const std::exception& e) {
      throw std::runtime_error(error_text(e));  // one line, without LibTorch's backtrace
    }
    if (flat.size() != requests.size()) throw std::runtime_error("the engine returned a result per region");
    size_t k = 0;
    for (size_t i : members)
      for (size_t t = 0; t < jobs[i]->frame.plan->targets.size(); ++t) out[i].push_back(std::move(flat[k++]));
  }
  return out;
}

}  // namespace decodiff::gst
