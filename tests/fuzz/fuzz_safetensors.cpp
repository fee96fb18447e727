// Fuzz target: the safetensors reader (core/io/safetensors.h) on arbitrary bytes.
// A reader may refuse the bytes only with SafetensorsError; anything else escaping (another exception
// type, a sanitizer report, a crash) is a finding. What it accepts must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto content = decodiff::io::read_safetensors_bytes(data, size, "fuzz input");
    uint64_t bytes = 0;
    for (const auto& [name, tensor] : content.tensors) {
      if (!tensor.defined() || !tensor.is_contiguous()) std::abort();
      bytes += static_cast<uint64_t>(tensor.numel()) * tensor.element_size();
    }
    if (bytes > size) std::abort();  // tensors hold only bytes the input had
  } catch (const decodiff::io::SafetensorsError&) {
  }
  return 0;
}
