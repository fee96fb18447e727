// parse_roi (video_frames.h): its own file so that the fuzz target compiles it without the video code.
#include <charconv>
#include <climits>
#include <cstdint>
#include <stdexcept>

#include "video_frames.h"

namespace decodiff::data {

cv::Rect parse_roi(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad ROI '" + text + "': " + why + " (expected x,y,w,h with w,h > 0)");
  };
  int64_t v[4];
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    const size_t comma = i < 3 ? text.find(',', pos) : text.size();
    if (comma == std::string::npos) throw bad("four numbers needed");
    size_t begin = pos, end = comma;
    while (begin < end && text[begin] == ' ') ++begin;
    while (end > begin && text[end - 1] == ' ') --end;
    const char* first = text.data() + begin;
    const auto [ptr, ec] = std::from_chars(first, text.data() + end, v[i]);
    if (begin == end || ec != std::errc() || ptr != text.data() + end || v[i] < 0 || v[i] > INT_MAX)
      throw bad("'" + text.substr(begin, end - begin) + "' is not a number in 0.." + std::to_string(INT_MAX));
    pos = comma + 1;
  }
  // x + w and y + h must stay ints: OpenCV computes them when it clips the rectangle.
  if (v[2] == 0 || v[3] == 0) throw bad("empty region");
  if (v[0] + v[2] > INT_MAX || v[1] + v[3] > INT_MAX)
    throw bad("region ends beyond " + std::to_string(INT_MAX));
  return {static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]), static_cast<int>(v[3])};
}

}  // namespace decodiff::data
