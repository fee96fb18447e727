#include "defect_kind.h"

#include <stdexcept>

namespace decodiff::data {

std::string to_string(DefectKind kind) {
  switch (kind) {
    case DefectKind::none:
      return "none";
    case DefectKind::scratch:
      return "scratch";
    case DefectKind::spot:
      return "spot";
    case DefectKind::hole:
      return "hole";
    case DefectKind::missing_part:
      return "missing_part";
    case DefectKind::colour_stain:
      return "colour_stain";
    case DefectKind::crack:
      return "crack";
  }
  throw std::invalid_argument("invalid DefectKind value " + std::to_string(static_cast<int>(kind)));
}

std::vector<DefectKind> all_defect_kinds() {
  return {DefectKind::scratch,      DefectKind::spot,         DefectKind::hole,
          DefectKind::missing_part, DefectKind::colour_stain, DefectKind::crack};
}

DefectKind parse_defect_kind(const std::string& name) {
  if (name == "none" || name == "good") return DefectKind::none;
  std::string known = "none";
  for (DefectKind k : all_defect_kinds()) {
    if (to_string(k) == name) return k;
    known += ", " + to_string(k);
  }
  throw std::invalid_argument("unknown defect kind '" + name + "' (known: " + known + ")");
}

}  // namespace decodiff::data
