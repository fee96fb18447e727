// One line of text for an exception, for tools and the element: LibTorch's
// c10::Error carries a C++ backtrace in what(), which users must not see.
#pragma once

#include <exception>
#include <string>

namespace decodiff {

// c10::Error: its message without the backtrace; any other exception: what()
// up to the first line break (our own messages are one line).
std::string error_text(const std::exception& e);

}  // namespace decodiff
