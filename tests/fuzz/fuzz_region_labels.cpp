// Fuzz target: the labels reader of decodiffregions (gst-plugin/region_labels.h) on arbitrary text. It
// may refuse the text only with std::invalid_argument (one line); accepted boxes have an area and lie
// within 2^31 pixels.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "region_labels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  decodiff::gst::RegionLabels labels;
  try {
    labels =
        decodiff::gst::parse_region_labels(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) std::abort();
    return 0;
  }
  for (const auto& [frame, boxes] : labels.boxes) {
    if (frame > INT_MAX) std::abort();
    for (const auto& r : boxes)
      if (r.empty() || r.x < 0 || r.y < 0 || int64_t{r.x} + r.width > INT_MAX ||
          int64_t{r.y} + r.height > INT_MAX)
        std::abort();
  }
  return 0;
}
