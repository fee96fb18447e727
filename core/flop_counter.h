// Counts the floating-point operations of convolutions, matrix products and
// attention executed on this thread while a FlopCounter is alive, from
// ATen's RecordFunction observer (the mechanism PyTorch's profiler uses for
// its FLOP estimates). Elementwise ops and normalisations are not counted.
#pragma once

#include <ATen/record_function.h>

#include <cstdint>

namespace decodiff {

class FlopCounter {
 public:
  FlopCounter();
  ~FlopCounter();
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;

  // Multiply and add count as two operations.
  int64_t flops() const;

 private:
  at::CallbackHandle handle_;
};

}  // namespace decodiff
