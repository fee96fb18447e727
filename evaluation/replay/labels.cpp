#include "labels.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace decodiff::replay {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::invalid_argument(source + ": " + what);
}

int get_int(const json& j, const char* key, const std::string& where, const std::string& source) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer())
    fail(source, where + ": '" + key + "' must be an integer");
  const auto v = j[key].get<int64_t>();
  if (v < 0 || v > (int64_t{1} << 31) - 1) fail(source, where + ": '" + key + "' is out of range");
  return static_cast<int>(v);
}

std::optional<Box> get_box(const json& j, const char* key, const std::string& where,
                           const std::string& source) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  const json& b = j[key];
  if (!b.is_array() || b.size() != 4) fail(source, where + ": '" + key + "' must be [x, y, w, h] or null");
  int v[4];
  for (size_t i = 0; i < 4; ++i) {
    if (!b[i].is_number_integer() || b[i].get<int64_t>() < 0 || b[i].get<int64_t>() > (1 << 30))
      fail(source, where + ": '" + key + "' must hold non-negative integers");
    v[i] = b[i].get<int>();
  }
  return Box{v[0], v[1], v[2], v[3]};
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

int parse_frame_field(const std::string& text, const std::string& what, const std::string& where) {
  size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || v < 0 || v > (1LL << 31) - 1)
    throw std::invalid_argument(where + ": " + what + " must be a non-negative integer, got '" + text + "'");
  return static_cast<int>(v);
}

}  // namespace

VideoLabels parse_synth_labels(const std::string& json_text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    fail(source, std::string("not JSON (") + e.what() + ")");
  }
  if (!doc.is_object() || !doc.contains("parts") || !doc["parts"].is_array())
    fail(source, "not a decodiff-synth labels file (no 'parts' array)");
  VideoLabels labels;
  labels.source = source;
  labels.format = LabelsFormat::kSynth;
  labels.frame_count = get_int(doc, "frame_count", "labels", source);
  labels.width = get_int(doc, "width", "labels", source);
  labels.height = get_int(doc, "height", "labels", source);
  std::set<std::string> ids;
  for (size_t p = 0; p < doc["parts"].size(); ++p) {
    const json& jp = doc["parts"][p];
    const std::string where = "parts[" + std::to_string(p) + "]";
    LabelledPart part;
    part.id = std::to_string(get_int(jp, "id", where, source));
    if (!ids.insert(part.id).second) fail(source, where + ": part id " + part.id + " appears twice");
    if (!jp.contains("defective") || !jp["defective"].is_boolean())
      fail(source, where + ": 'defective' must be true or false");
    part.defective = jp["defective"].get<bool>();
    if (jp.contains("defect_kind") && jp["defect_kind"].is_string()) part.defect_kind = jp["defect_kind"];
    int full_first = -1, full_last = -1;
    if (jp.contains("full_view")) {
      const json& fv = jp["full_view"];
      if (!fv.is_array() || fv.size() != 2 || !fv[0].is_number_integer() || !fv[1].is_number_integer())
        fail(source, where + ": 'full_view' must be [first, last]");
      full_first = fv[0].get<int>();
      full_last = fv[1].get<int>();
    }
    if (!jp.contains("frames") || !jp["frames"].is_array())
      fail(source, where + ": 'frames' must be an array");
    int previous = -1;
    for (size_t f = 0; f < jp["frames"].size(); ++f) {
      const json& jf = jp["frames"][f];
      const std::string fwhere = where + ".frames[" + std::to_string(f) + "]";
      LabelledFrame frame;
      frame.frame = get_int(jf, "frame", fwhere, source);
      if (frame.frame <= previous) fail(source, fwhere + ": frame numbers must increase");
      if (frame.frame >= *labels.frame_count)
        fail(source, fwhere + ": frame " + std::to_string(frame.frame) + " is beyond frame_count " +
                         std::to_string(*labels.frame_count));
      previous = frame.frame;
      frame.part_box = get_box(jf, "part_box", fwhere, source);
      frame.defect_box = get_box(jf, "defect_box", fwhere, source);
      frame.full_view = full_first >= 0 && frame.frame >= full_first && frame.frame <= full_last;
      part.frames.push_back(frame);
    }
    labels.parts.push_back(std::move(part));
  }
  return labels;
}

VideoLabels parse_csv_labels(const std::string& csv_text, const std::string& source) {
  VideoLabels labels;
  labels.source = source;
  labels.format = LabelsFormat::kCsv;
  std::istringstream in(csv_text);
  std::string line;
  std::set<std::string> ids;
  int number = 0;
  long long labelled_frames = 0;
  bool first_row = true;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = source + ":" + std::to_string(number);
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> fields;
    std::stringstream row(text);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(trim(field));
    if (!text.empty() && text.back() == ',') fields.push_back("");
    if (first_row && !fields.empty() && fields[0] == "part") {  // the optional header
      first_row = false;
      continue;
    }
    first_row = false;
    if (fields.size() != 4 && fields.size() != 8)
      throw std::invalid_argument(where +
                                  ": expected 4 fields (part, first frame, last frame, defective 0/1) "
                                  "and optionally a defect box x, y, w, h; got " +
                                  std::to_string(fields.size()));
    LabelledPart part;
    part.id = fields[0];
    if (part.id.empty()) throw std::invalid_argument(where + ": the part id is empty");
    if (!ids.insert(part.id).second)
      throw std::invalid_argument(where + ": part '" + part.id + "' appears twice");
    const int first = parse_frame_field(fields[1], "the first frame", where);
    const int last = parse_frame_field(fields[2], "the last frame", where);
    if (last < first)
      throw std::invalid_argument(where + ": the last frame " + fields[2] + " is before the first " +
                                  fields[1]);
    if (fields[3] != "0" && fields[3] != "1")
      throw std::invalid_argument(where + ": defective must be 0 or 1, got '" + fields[3] + "'");
    part.defective = fields[3] == "1";
    std::optional<Box> box;
    if (fields.size() == 8) {
      if (!part.defective)
        throw std::invalid_argument(where + ": a normal part (defective 0) has no defect box");
      int v[4];
      for (int i = 0; i < 4; ++i) v[i] = parse_frame_field(fields[4 + i], "a defect box value", where);
      if (v[2] == 0 || v[3] == 0) throw std::invalid_argument(where + ": the defect box has no area");
      box = Box{v[0], v[1], v[2], v[3]};
    }
    labelled_frames += static_cast<long long>(last) - first + 1;
    if (labelled_frames > kMaxCsvLabelledFrames)
      throw std::invalid_argument(where + ": the rows span more than " +
                                  std::to_string(kMaxCsvLabelledFrames) +
                                  " frames together; label a recording of at most that length per file");
    part.frames.reserve(static_cast<size_t>(last - first) + 1);
    for (int f = first; f <= last; ++f) part.frames.push_back(LabelledFrame{f, box, std::nullopt, true});
    labels.parts.push_back(std::move(part));
  }
  if (labels.parts.empty()) throw std::invalid_argument(source + ": no parts (one row per part)");
  return labels;
}

VideoLabels read_labels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot read the labels file");
  std::stringstream text;
  text << in.rdbuf();
  const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
  return csv ? parse_csv_labels(text.str(), path) : parse_synth_labels(text.str(), path);
}

void check_labels_fit(const VideoLabels& labels, int decoded_frames, const std::string& video) {
  if (labels.frame_count && *labels.frame_count != decoded_frames)
    throw std::invalid_argument("the labels " + labels.source + " are for a video of " +
                                std::to_string(*labels.frame_count) + " frames, but " + video + " has " +
                                std::to_string(decoded_frames) + ": wrong labels for this video?");
  for (const LabelledPart& part : labels.parts)
    if (!part.frames.empty() && part.frames.back().frame >= decoded_frames)
      throw std::invalid_argument("the labels " + labels.source + " name part '" + part.id + "' in frames " +
                                  std::to_string(part.frames.front().frame) + "-" +
                                  std::to_string(part.frames.back().frame) + ", but " + video + " has only " +
                                  std::to_string(decoded_frames) + " frames (0-" +
                                  std::to_string(decoded_frames - 1) + "): no such part in this video");
}

}  // namespace decodiff::replay
