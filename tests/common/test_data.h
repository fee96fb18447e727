// Locating test data and loading safetensors files in tests.
#pragma once

#include <ATen/ATen.h>

#include <cstdlib>
#include <string>

#include "decodiff_config.h"
#include "io/safetensors.h"

namespace decodiff::testing {

inline std::string source_dir() {
  const char* dir = std::getenv("DECODIFF_SOURCE_DIR");
  return dir ? dir : DECODIFF_SOURCE_DIR;
}

inline std::string build_dir() {
  const char* dir = std::getenv("DECODIFF_BUILD_DIR");
  return dir ? dir : ".";
}

inline std::string golden_path(const std::string& name) {
  return source_dir() + "/tests/fixtures/golden/" + name;
}

inline io::SafetensorsContent load_golden(const std::string& name) {
  return io::read_safetensors(golden_path(name));
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kCPU).to(at::kDouble) - b.to(at::kCPU).to(at::kDouble)).abs().max().item<double>();
}

}  // namespace decodiff::testing
