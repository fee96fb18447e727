#include "json_float.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace decodiff::gst {

double short_float(float v) {
  char buf[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return std::strtod(buf, nullptr);
}

double rounded_ms(double ms) { return std::round(ms * 1000.0) / 1000.0; }

}  // namespace decodiff::gst
