#include "scene.h"

#include <stdexcept>

namespace decodiff::data {

const std::vector<CategoryInfo>& category_registry() {
  static const std::vector<CategoryInfo> registry = {
      {"weave", "plain-weave fabric: beige warp and weft threads over a dark backing", true, true,
       render_weave},
      {"wood", "wood grain: light and dark growth rings, fibres, occasional knots", true, false, render_wood},
      {"nut", "hexagonal metal nut with a threaded hole on a dark slate table", false, true, render_nut},
      {"pcb", "green circuit board with an IC, resistors, capacitors and traces", false, true, render_pcb},
      {"capsule", "two-tone red/cream capsule with a 'DD 10' imprint on a dark tray", false, true,
       render_capsule},
  };
  return registry;
}

const CategoryInfo& find_category(const std::string& name) {
  std::string known;
  for (const CategoryInfo& c : category_registry()) {
    if (c.name == name) return c;
    known += (known.empty() ? "" : ", ") + c.name;
  }
  throw std::invalid_argument("unknown category '" + name + "' (known: " + known + ")");
}

}  // namespace decodiff::data
