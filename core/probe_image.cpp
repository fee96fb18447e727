#include "probe_image.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "preprocess.h"

namespace decodiff {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014) as a counter-based hash: value k of
// stream `seed` is mix(seed, k); no state, so every draw has a fixed address.
uint64_t mix(uint64_t seed, uint64_t k) {
  uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Draws {
 public:
  explicit Draws(uint64_t seed) : seed_(seed) {}
  // Uniform in [lo, hi): the top 53 bits as a double.
  double uniform(double lo, double hi) {
    const double u = static_cast<double>(mix(seed_, counter_++) >> 11) * (1.0 / 9007199254740992.0);
    return lo + (hi - lo) * u;
  }
  uint64_t bits() { return mix(seed_, counter_++); }

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

double smoothstep(double w) {
  w = std::clamp(w, 0.0, 1.0);
  return w * w * (3.0 - 2.0 * w);
}

}  // namespace

std::vector<uint8_t> make_probe_rgb(uint64_t seed, int size) {
  if (size < 8 || size > 4096)
    throw std::invalid_argument("probe size " + std::to_string(size) + " outside 8..4096");
  Draws d(seed);
  double base[3], gx[3], gy[3];
  for (int c = 0; c < 3; ++c) {
    base[c] = d.uniform(0.3, 0.7);
    gx[c] = d.uniform(-0.25, 0.25);
    gy[c] = d.uniform(-0.25, 0.25);
  }
  struct Blob {
    double cx, cy, rx, ry, delta[3];
  };
  Blob blobs[3];
  for (Blob& b : blobs) {
    b.cx = d.uniform(0.2, 0.8);
    b.cy = d.uniform(0.2, 0.8);
    b.rx = d.uniform(0.1, 0.3);
    b.ry = d.uniform(0.1, 0.3);
    for (double& v : b.delta) v = d.uniform(-0.35, 0.35);
  }
  const int patch = std::max(2, size / 8);
  const int px = size / 8 + static_cast<int>(d.uniform(0, 1) * (size * 3 / 4 - patch));
  const int py = size / 8 + static_cast<int>(d.uniform(0, 1) * (size * 3 / 4 - patch));

  std::vector<uint8_t> rgb(static_cast<size_t>(size) * size * 3);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const double u = (x + 0.5) / size, v = (y + 0.5) / size;
      double value[3];
      for (int c = 0; c < 3; ++c) value[c] = base[c] + gx[c] * (u - 0.5) + gy[c] * (v - 0.5);
      for (const Blob& b : blobs) {
        const double dx = (u - b.cx) / b.rx, dy = (v - b.cy) / b.ry;
        const double w = smoothstep(1.0 - (dx * dx + dy * dy));
        for (int c = 0; c < 3; ++c) value[c] += w * b.delta[c];
      }
      const bool in_patch = x >= px && x < px + patch && y >= py && y < py + patch;
      const uint64_t noise = in_patch ? d.bits() : 0;
      uint8_t* out = &rgb[(static_cast<size_t>(y) * size + x) * 3];
      for (int c = 0; c < 3; ++c) {
        // The patch: each channel near black or near white, at random.
        if (in_patch) value[c] = ((noise >> (8 * c)) & 1) ? 0.92 : 0.08;
        out[c] = static_cast<uint8_t>(std::clamp(value[c], 0.0, 1.0) * 255.0 + 0.5);
      }
    }
  }
  return rgb;
}

at::Tensor make_probe_input(uint64_t seed, int size) {
  std::vector<uint8_t> rgb = make_probe_rgb(seed, size);
  auto hwc = at::from_blob(rgb.data(), {1, size, size, 3}, at::TensorOptions().dtype(at::kByte));
  return crop_normalize(hwc.permute({0, 3, 1, 2}), size).contiguous();
}

}  // namespace decodiff
