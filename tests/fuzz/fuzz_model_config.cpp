// Fuzz target: the model-file metadata parser (ModelConfig::from_json, core/model_config.h) on arbitrary
// text. It may refuse the text only with ModelFileError. What it accepts must survive a save: to_json()
// parses back (a model re-saved by our tools must load again) to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  decodiff::ModelConfig config;
  try {
    config = decodiff::ModelConfig::from_json(text, "fuzz input");
  } catch (const decodiff::ModelFileError&) {
    return 0;
  }
  const std::string saved = config.to_json();
  const auto again = decodiff::ModelConfig::from_json(saved, "re-saved fuzz input");  // must not throw
  if (again.to_json() != saved) std::abort();
  return 0;
}
