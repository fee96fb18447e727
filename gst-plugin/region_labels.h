// The per-frame part boxes of a labels file as decodiff-synth video writes it
// (docs/synthetic-data.md): what decodiffregions attaches to each frame. Pure
// C++ (nlohmann-json), so that a fuzz target reads untrusted files with it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "image_view.h"

namespace decodiff::gst {

struct RegionLabels {
  std::string category;                         // the labels' "category" ("" when absent)
  std::map<uint64_t, std::vector<Rect>> boxes;  // frame number -> the parts' boxes in that frame
};

// Parses the JSON text; throws std::invalid_argument with one line naming
// what is wrong (`source` names the file in it). Boxes with no area are
// left out; a box must have non-negative x, y and lie within 2^31 pixels.
RegionLabels parse_region_labels(const std::string& json_text, const std::string& source);

// Reads and parses a file; throws std::invalid_argument (unreadable file, bad content).
RegionLabels read_region_labels(const std::string& path);

}  // namespace decodiff::gst
