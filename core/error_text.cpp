#include "error_text.h"

#include <c10/util/Exception.h>

namespace decodiff {

std::string error_text(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error ? c10_error->what_without_backtrace() : e.what();
  if (const auto nl = text.find('\n'); nl != std::string::npos) text.erase(nl);
  return text;
}

}  // namespace decodiff
