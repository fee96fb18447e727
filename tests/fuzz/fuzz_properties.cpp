// Fuzz target: the text-property parsers of decodiffinspect (gst-plugin/property_parsing.h). The first
// byte picks the parser, the rest is the property text. Parsers never throw; they return a value xor one
// error line, and an accepted value keeps the documented ranges.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "property_parsing.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

template <typename T>
void check_outcome(const decodiff::gst::Parsed<T>& p) {
  check(p.ok() == p.error.empty());
  check(p.error.find('\n') == std::string::npos);  // one line
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace g = decodiff::gst;
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0: {
      const auto roi = g::parse_roi(text);
      check_outcome(roi);
      if (roi.ok() && !roi.value.empty()) {
        const auto& r = roi.value;
        check(r.x >= 0 && r.y >= 0 && r.width >= 1 && r.height >= 1);
        check(int64_t{r.x} + r.width <= INT_MAX && int64_t{r.y} + r.height <= INT_MAX);
        // The fit check must answer without overflowing for any frame size.
        const std::string fit =
            g::roi_fit_error(r, static_cast<int>(size * 997), static_cast<int>(size * 13));
        check(fit.empty() == (int64_t{r.x} + r.width <= int64_t(size * 997) &&
                              int64_t{r.y} + r.height <= int64_t(size * 13)));
      }
      break;
    }
    case 1: {
      const int64_t min = -static_cast<int64_t>(data[0]) * 1000, max = static_cast<int64_t>(size) * 1000;
      const auto v = g::parse_integer(text, min, max);
      check_outcome(v);
      if (v.ok()) check(v.value >= min && v.value <= max);
      break;
    }
    case 2: {
      const auto v = g::parse_integer(text, INT64_MIN, INT64_MAX);
      check_outcome(v);
      break;
    }
    case 3: {
      const auto c = g::parse_class(text);
      check_outcome(c);
      if (c.ok() && c.value.by_id) check(c.value.id >= 0);
      break;
    }
    case 4: {
      const auto d = g::parse_device(text);
      check_outcome(d);
      if (d.ok()) check(g::parse_device(d.value).ok() && g::parse_device(d.value).value == d.value);
      break;
    }
    case 5: {
      const auto p = g::parse_precision(text);
      check_outcome(p);
      if (p.ok()) check(p.value == "fp32" || p.value == "fp16" || p.value == "bf16");
      break;
    }
    case 6: {
      const auto list = g::parse_regions(text);
      check_outcome(list);
      if (!list.ok()) break;
      check(list.value.size() <= g::kMaxRegions);
      for (size_t i = 0; i < list.value.size(); ++i) {
        const auto& region = list.value[i];
        check(!region.rect.empty() && region.rect.x >= 0 && region.rect.y >= 0);
        check(region.threshold == -1 || (region.threshold >= 0 && region.threshold <= 1));
        if (!region.class_name.empty()) check(g::parse_class(region.class_name).ok());
        for (size_t j = 0; j < i; ++j) check(decodiff::intersect(list.value[j].rect, region.rect).empty());
      }
      break;
    }
  }
  return 0;
}
