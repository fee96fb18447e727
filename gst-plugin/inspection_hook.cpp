#include "inspection_hook.h"

#include <atomic>
#include <mutex>

namespace decodiff::gst {
namespace {

std::mutex hook_mutex;
InspectionHook hook;
std::atomic<bool> hook_set{false};

}  // namespace

void set_inspection_hook(InspectionHook h) {
  std::lock_guard<std::mutex> lock(hook_mutex);
  hook = std::move(h);
  hook_set = static_cast<bool>(hook);
}

void run_inspection_hook(Inspection& inspection, uint64_t frame_number) {
  if (!hook_set.load(std::memory_order_acquire)) return;
  InspectionHook h;
  {
    std::lock_guard<std::mutex> lock(hook_mutex);
    h = hook;
  }
  if (h) h(inspection, frame_number);
}

}  // namespace decodiff::gst
