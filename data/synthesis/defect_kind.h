// The kinds of defect the synthetic data generator can draw.
#pragma once

#include <string>
#include <vector>

namespace decodiff::data {

enum class DefectKind {
  none,          // a good sample
  scratch,       // a thin bright (or dark) curved line
  spot,          // a dark (or, on dark surfaces, pale) blob of dirt
  hole,          // a hole: what lies behind/under the part shows through
  missing_part,  // a component or segment of the part is absent
  colour_stain,  // a translucent region of a different hue
  crack,         // a thin jagged dark line with branches
};

// "none", "scratch", "spot", "hole", "missing_part", "colour_stain", "crack".
std::string to_string(DefectKind kind);

// Inverse of to_string; throws std::invalid_argument naming the known kinds.
DefectKind parse_defect_kind(const std::string& name);

// Every kind except none, in declaration order.
std::vector<DefectKind> all_defect_kinds();

}  // namespace decodiff::data
