// Fuzz target: the VisA split-file reader (parse_visa_split, data/datasets/dataset_index.h) on arbitrary
// text. It may refuse the text only with std::runtime_error; accepted rows keep the documented meaning.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataset_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream csv(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<decodiff::data::Sample> train, test;
  try {
    decodiff::data::parse_visa_split(csv, "/visa", "fuzz input", train, test);
  } catch (const std::runtime_error&) {
    return 0;
  }
  for (const auto& s : train)
    if (s.anomalous || !s.mask.empty()) std::abort();  // training takes normal images only
  for (const auto& s : test)
    if (s.anomalous == s.mask.empty()) std::abort();  // a defect image always has its mask
  return 0;
}
