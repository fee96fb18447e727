// Loading the golden safetensors files (tests/fixtures/golden/) and comparing tensors in tests.
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "io/safetensors.h"
#include "paths.h"

namespace decodiff::testing {

inline io::SafetensorsContent load_golden(const std::string& name) {
  return io::read_safetensors(golden_path(name));
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kCPU).to(at::kDouble) - b.to(at::kCPU).to(at::kDouble)).abs().max().item<double>();
}

}  // namespace decodiff::testing
