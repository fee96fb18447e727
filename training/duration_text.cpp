#include "duration_text.h"

#include <cmath>
#include <cstdio>

namespace decodiff::train {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  char b[32];
  const long t = std::lround(s);
  if (t >= 3600)
    std::snprintf(b, sizeof b, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else
    std::snprintf(b, sizeof b, "%ldm%02lds", t / 60, t % 60);
  return b;
}

}  // namespace decodiff::train
