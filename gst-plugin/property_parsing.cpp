// Written by hand: the grammar is four comma-separated integers (a list of
// them, with an optional class and threshold each) or a word from a short list, and std::from_chars already
// does the one hard part (decimal conversion with overflow detection); a parser library would add a
// dependency for a dozen lines.
#include "property_parsing.h"

#include <charconv>
#include <climits>
#include <cstdlib>
#include <vector>

namespace decodiff::gst {
namespace {

constexpr int64_t kMaxFrameSize = INT_MAX;  // caps width/height are gint
constexpr int kMaxCudaIndex = 127;          // LibTorch device indices are 8-bit

// The text as it can be shown in one message line: printable, at most 80 characters.
std::string shown(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= 80) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  return "\"" + out + "\"";
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string trimmed(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Parsed<int64_t> parse_integer(const std::string& text, int64_t min, int64_t max) {
  Parsed<int64_t> out;
  const char* begin = text.data();
  const char* end = begin + text.size();
  const bool digits = all_digits(text) || (text.size() > 1 && text[0] == '-' && all_digits(text.substr(1)));
  if (!digits) {
    out.error = shown(text) + " is not a decimal integer";
    return out;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && (v < min || v > max))) {
    out.error = shown(text) + " is out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")";
    return out;
  }
  if (ec != std::errc() || ptr != end) {
    out.error = shown(text) + " is not a decimal integer";
    return out;
  }
  out.value = v;
  return out;
}

Parsed<Rect> parse_roi(const std::string& text) {
  Parsed<Rect> out;
  if (text.empty()) return out;  // the whole frame
  const std::string prefix = "roi " + shown(text) + ": ";
  const std::vector<std::string> fields = split(text, ',');
  if (fields.size() != 4) {
    out.error = prefix + "expected x,y,width,height (4 integers), found " + std::to_string(fields.size()) +
                " field" + (fields.size() == 1 ? "" : "s");
    return out;
  }
  static const char* const names[4] = {"x", "y", "width", "height"};
  int64_t v[4];
  for (int i = 0; i < 4; ++i) {
    const int64_t min = i < 2 ? 0 : 1;
    Parsed<int64_t> n = parse_integer(trimmed(fields[i]), min, kMaxFrameSize);
    if (!n.ok()) {
      out.error = prefix + names[i] + " " + n.error;
      return out;
    }
    v[i] = n.value;
  }
  if (v[0] + v[2] > kMaxFrameSize || v[1] + v[3] > kMaxFrameSize) {
    const bool horizontal = v[0] + v[2] > kMaxFrameSize;
    out.error = prefix +
                (horizontal ? "x + width = " + std::to_string(v[0] + v[2])
                            : "y + height = " + std::to_string(v[1] + v[3])) +
                " exceeds the largest frame size (" + std::to_string(kMaxFrameSize) + ")";
    return out;
  }
  out.value =
      Rect{static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]), static_cast<int>(v[3])};
  return out;
}

namespace {

std::string rect_text(const Rect& r) {
  return std::to_string(r.x) + "," + std::to_string(r.y) + "," + std::to_string(r.width) + "," +
         std::to_string(r.height);
}

// A decimal number in [0, 1]: digits with at most one '.', nothing else.
bool parse_unit_number(const std::string& text, double* value) {
  if (text.empty() || text.size() > 32) return false;
  int dots = 0;
  for (char c : text) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  if (dots > 1 || text == ".") return false;
  *value = std::strtod(text.c_str(), nullptr);
  return *value >= 0.0 && *value <= 1.0;
}

}  // namespace

Parsed<std::vector<RegionSetting>> parse_regions(const std::string& text) {
  Parsed<std::vector<RegionSetting>> out;
  if (text.empty()) return out;
  const std::vector<std::string> pieces = split(text, ';');
  if (pieces.size() > kMaxRegions) {
    out.error = "roi: " + std::to_string(pieces.size()) + " regions; at most " + std::to_string(kMaxRegions);
    return out;
  }
  for (size_t i = 0; i < pieces.size(); ++i) {
    const std::string where = pieces.size() > 1 ? "roi region " + std::to_string(i + 1) + " " : "roi ";
    std::string piece = trimmed(pieces[i]);
    RegionSetting region;
    const size_t colon = piece.find(':');
    if (colon != std::string::npos) {
      const std::string number = trimmed(piece.substr(colon + 1));
      if (!parse_unit_number(number, &region.threshold)) {
        out.error = where + shown(pieces[i]) + ": threshold " + shown(number) +
                    " is not a decimal number between 0 and 1";
        return out;
      }
      piece = trimmed(piece.substr(0, colon));
    }
    const size_t at = piece.find('@');
    if (at != std::string::npos) {
      region.class_name = trimmed(piece.substr(at + 1));
      Parsed<ClassSetting> klass = parse_class(region.class_name);
      if (!klass.ok()) {
        out.error = where + shown(pieces[i]) + ": " + klass.error;
        return out;
      }
      piece = trimmed(piece.substr(0, at));
    }
    if (piece.empty()) {
      out.error = where + shown(pieces[i]) + ": no rectangle (expected x,y,width,height)";
      return out;
    }
    Parsed<Rect> rect = parse_roi(piece);
    if (!rect.ok()) {
      out.error = pieces.size() > 1 ? where + rect.error : rect.error;
      return out;
    }
    region.rect = rect.value;
    for (size_t j = 0; j < out.value.size(); ++j) {
      if (!intersect(out.value[j].rect, region.rect).empty()) {
        out.error = "roi: regions " + std::to_string(j + 1) + " (" + rect_text(out.value[j].rect) + ") and " +
                    std::to_string(i + 1) + " (" + rect_text(region.rect) +
                    ") overlap; each pixel may belong to one region";
        return out;
      }
    }
    out.value.push_back(std::move(region));
  }
  return out;
}

Parsed<std::vector<std::string>> parse_roi_types(const std::string& text) {
  Parsed<std::vector<std::string>> out;
  for (const std::string& piece : split(text, ',')) {
    const std::string name = trimmed(piece);
    if (name.empty() || name.find_first_of("=;\"") != std::string::npos) {
      out.error = "roi-types " + shown(text) + ": " + shown(name) + " is not a region type name";
      out.value.clear();
      return out;
    }
    out.value.push_back(name);
  }
  return out;
}

Parsed<std::vector<std::pair<std::string, std::string>>> parse_class_map(const std::string& text) {
  Parsed<std::vector<std::pair<std::string, std::string>>> out;
  if (text.empty()) return out;
  for (const std::string& piece : split(text, ',')) {
    const size_t eq = piece.find('=');
    const std::string type = trimmed(piece.substr(0, eq));
    const std::string klass = eq == std::string::npos ? "" : trimmed(piece.substr(eq + 1));
    if (eq == std::string::npos || type.empty() || !parse_class(klass).ok()) {
      out.error = "class-map " + shown(text) + ": " + shown(piece) + " is not type=class";
      out.value.clear();
      return out;
    }
    out.value.emplace_back(type, klass);
  }
  return out;
}

std::string roi_fit_error(const Rect& roi, int frame_width, int frame_height) {
  if (roi.empty()) return "";
  const int64_t right = static_cast<int64_t>(roi.x) + roi.width;
  const int64_t bottom = static_cast<int64_t>(roi.y) + roi.height;
  if (right <= frame_width && bottom <= frame_height && roi.x >= 0 && roi.y >= 0) return "";
  return "roi " + std::to_string(roi.x) + "," + std::to_string(roi.y) + "," + std::to_string(roi.width) +
         "," + std::to_string(roi.height) + " does not fit in the " + std::to_string(frame_width) + "x" +
         std::to_string(frame_height) + " frame (x + width = " + std::to_string(right) +
         ", y + height = " + std::to_string(bottom) + ")";
}

Parsed<ClassSetting> parse_class(const std::string& text) {
  Parsed<ClassSetting> out;
  if (text.empty()) {
    out.error = "class \"\": empty (unset the property for the model's class 0)";
    return out;
  }
  if (all_digits(text)) {
    Parsed<int64_t> id = parse_integer(text, 0, INT_MAX);
    if (!id.ok()) {
      out.error = "class id " + id.error;
      return out;
    }
    out.value.by_id = true;
    out.value.id = static_cast<int>(id.value);
    return out;
  }
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) {
      out.error = "class " + shown(text) + ": control characters in a class name";
      return out;
    }
  out.value.name = text;
  return out;
}

Parsed<std::string> parse_device(const std::string& text) {
  Parsed<std::string> out;
  if (text == "auto" || text == "cpu" || text == "cuda") {
    out.value = text;
    return out;
  }
  if (text.rfind("cuda:", 0) == 0) {
    Parsed<int64_t> index = parse_integer(text.substr(5), 0, kMaxCudaIndex);
    if (index.ok() && all_digits(text.substr(5))) {
      out.value = "cuda:" + std::to_string(index.value);
      return out;
    }
    out.error = "device " + shown(text) + ": the CUDA device index " +
                (index.ok() ? shown(text.substr(5)) + " is not a decimal integer" : index.error);
    return out;
  }
  out.error = "device " + shown(text) + ": use auto, cpu, cuda or cuda:N";
  return out;
}

Parsed<std::string> parse_precision(const std::string& text) {
  Parsed<std::string> out;
  if (text == "fp32" || text == "float32" || text == "float")
    out.value = "fp32";
  else if (text == "fp16" || text == "float16" || text == "half")
    out.value = "fp16";
  else if (text == "bf16" || text == "bfloat16")
    out.value = "bf16";
  else
    out.error = "precision " + shown(text) + ": use fp32, fp16 or bf16";
  return out;
}

}  // namespace decodiff::gst
