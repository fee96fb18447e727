// Fuzz target: decodiff-train's --video-roi parser (parse_roi, data/datasets/video_frames.h) on arbitrary
// text. It may refuse the text only with std::invalid_argument; an accepted region is non-empty, starts in
// the first quadrant, and its far corner is still an int (OpenCV computes x + w when it clips).
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "video_frames.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cv::Rect r;
  try {
    r = decodiff::data::parse_roi(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::invalid_argument&) {
    return 0;
  }
  if (r.x < 0 || r.y < 0 || r.width <= 0 || r.height <= 0) std::abort();
  if (int64_t{r.x} + r.width > INT_MAX || int64_t{r.y} + r.height > INT_MAX) std::abort();
  return 0;
}
