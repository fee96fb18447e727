// Remaining and elapsed times in the trainers' progress lines.
#pragma once

#include <string>

namespace decodiff::train {

// "12m05s", "1h03m"; "?" for a negative or non-finite time.
std::string format_duration(double seconds);

}  // namespace decodiff::train
