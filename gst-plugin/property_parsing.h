// Strict parsers for the decodiffinspect text properties. Pure C++ (no
// GStreamer, no GLib; the rectangle type is core's), so that unit tests and fuzz targets call them alone.
//
// Every parser takes the property's text and returns either a value or one
// line that names the property, the text and what is wrong with it. Nothing
// wraps around: a number that does not fit is an error, never another number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image_view.h"

namespace decodiff::gst {

template <typename T>
struct Parsed {
  T value{};
  std::string error;  // empty when the text was valid
  bool ok() const { return error.empty(); }
};

// `roi`: "x,y,width,height" in frame pixels (decimal integers, spaces allowed
// around each one); x, y >= 0, width, height >= 1, and x + width, y + height
// within the largest frame size GStreamer caps can express (2147483647).
// Empty text = the whole frame: an empty Rect.
Parsed<Rect> parse_roi(const std::string& text);

// `roi` with several regions: "x,y,width,height[@class][:threshold];..." (up
// to kMaxRegions). Each rectangle as parse_roi reads it; the class as
// parse_class; the threshold a decimal number in [0, 1]. Regions may not
// overlap (each pixel belongs to one inspection). Empty text = no list (the
// whole frame, the element's class and threshold).
struct RegionSetting {
  Rect rect;
  std::string class_name;  // empty: the element's class
  double threshold = -1;   // < 0: the element's threshold
};
constexpr size_t kMaxRegions = 64;
Parsed<std::vector<RegionSetting>> parse_regions(const std::string& text);

// `roi-types`: "part,bolt": names separated by commas (spaces around them
// allowed), at least one, each without '=' or ';'.
Parsed<std::vector<std::string>> parse_roi_types(const std::string& text);

// `class-map`: "bolt=nut,part=capsule": region type = model class (name or id).
Parsed<std::vector<std::pair<std::string, std::string>>> parse_class_map(const std::string& text);

// Empty when `roi` fits in a frame_width x frame_height frame, else the error
// (the sums are computed without overflow).
std::string roi_fit_error(const Rect& roi, int frame_width, int frame_height);

// A decimal integer in [min, max] (optional '-' sign, no spaces, no other characters).
Parsed<int64_t> parse_integer(const std::string& text, int64_t min, int64_t max);

// `class`: a class name, or a class id (all digits, 0..2147483647). Which ids
// and names exist is the model's business; this checks the form only.
struct ClassSetting {
  bool by_id = false;
  int id = 0;
  std::string name;  // the text, when not an id
};
Parsed<ClassSetting> parse_class(const std::string& text);

// `device`: auto, cpu, cuda or cuda:N (N decimal, 0..127). The value is the
// canonical spelling ("cuda:0" for "cuda:00"). Whether the device exists is
// checked when the model loads.
Parsed<std::string> parse_device(const std::string& text);

// `precision`: fp32/float32/float, fp16/float16/half, bf16/bfloat16; the value
// is the canonical name (fp32, fp16 or bf16).
Parsed<std::string> parse_precision(const std::string& text);

}  // namespace decodiff::gst
