// A seam for tests: a function the element runs on each inspection right
// after the engine returned it and before anything is decided on it. The
// element's fail-safe tests use it to make an inspection non-finite at run
// time, which no valid model file can be made to do on demand (the loader
// refuses non-finite weights). Unset (the default) it costs one atomic load
// per frame. Tests link the element's code and register it themselves; the
// installed plugin exposes no way to set it.
#pragma once

#include <cstdint>
#include <functional>

#include "inspector.h"

namespace decodiff::gst {

using InspectionHook = std::function<void(Inspection& inspection, uint64_t frame_number)>;

void set_inspection_hook(InspectionHook hook);  // an empty function removes it
void run_inspection_hook(Inspection& inspection, uint64_t frame_number);

}  // namespace decodiff::gst
