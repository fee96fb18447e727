// Order-preserving map between float32 scores and uint32 keys, shared by the
// metrics that sort scores exactly (no quantisation).
#pragma once

#include <cstdint>
#include <cstring>

namespace decodiff::metrics::detail {

inline bool is_finite_score(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return (bits & 0x7f800000u) != 0x7f800000u;
}

// Unsigned order of the keys equals the numeric order of finite floats; -0.0
// and +0.0 map to the same key because every metric must treat them as a tie.
inline uint32_t float_key(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if (bits == 0x80000000u) bits = 0;
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

inline float key_float(uint32_t key) {
  const uint32_t bits = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace decodiff::metrics::detail
