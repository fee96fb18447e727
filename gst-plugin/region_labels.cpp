#include "region_labels.h"

#include <nlohmann/json.hpp>

#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace decodiff::gst {
namespace {

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw std::invalid_argument(source + ": " + what);
}

int64_t integer(const nlohmann::json& v, const std::string& source, const std::string& where) {
  if (!v.is_number_integer()) bad(source, where + " is not an integer");
  const int64_t n = v.get<int64_t>();
  if (n < 0 || n > INT_MAX)
    bad(source, where + " = " + std::to_string(n) + " is out of range (0.." + std::to_string(INT_MAX) + ")");
  return n;
}

}  // namespace

RegionLabels parse_region_labels(const std::string& json_text, const std::string& source) {
  const nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded()) bad(source, "not valid JSON");
  if (!doc.is_object()) bad(source, "not a JSON object");
  RegionLabels labels;
  if (doc.contains("category")) {
    if (!doc["category"].is_string()) bad(source, "\"category\" is not a string");
    labels.category = doc["category"].get<std::string>();
  }
  if (!doc.contains("parts") || !doc["parts"].is_array()) bad(source, "no \"parts\" array");
  size_t p = 0;
  for (const nlohmann::json& part : doc["parts"]) {
    const std::string where = "parts[" + std::to_string(p++) + "]";
    if (!part.is_object() || !part.contains("frames") || !part["frames"].is_array())
      bad(source, where + " has no \"frames\" array");
    size_t f = 0;
    for (const nlohmann::json& entry : part["frames"]) {
      const std::string at = where + ".frames[" + std::to_string(f++) + "]";
      if (!entry.is_object() || !entry.contains("frame") || !entry.contains("part_box"))
        bad(source, at + " needs \"frame\" and \"part_box\"");
      const int64_t frame = integer(entry["frame"], source, at + ".frame");
      const nlohmann::json& box = entry["part_box"];
      if (!box.is_array() || box.size() != 4) bad(source, at + ".part_box is not [x, y, w, h]");
      int64_t v[4];
      for (int i = 0; i < 4; ++i) v[i] = integer(box[i], source, at + ".part_box[" + std::to_string(i) + "]");
      if (v[0] + v[2] > INT_MAX || v[1] + v[3] > INT_MAX)
        bad(source, at + ".part_box reaches beyond 2^31 pixels");
      const Rect r{static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]),
                   static_cast<int>(v[3])};
      if (!r.empty()) labels.boxes[static_cast<uint64_t>(frame)].push_back(r);
    }
  }
  return labels;
}

RegionLabels read_region_labels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_region_labels(text.str(), path);
}

}  // namespace decodiff::gst
