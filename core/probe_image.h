// The fingerprint's probe: a synthetic image made from a seed by our own
// generator, identical on every machine, device and LibTorch version (torch's
// random streams differ between CPU and CUDA and between releases, so they
// cannot make a reference input). docs/model-format.md, "Fingerprint".
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace decodiff {

// size x size RGB bytes, row-major, 3 bytes per pixel: a smooth background
// gradient, three soft-edged blobs and one small square of pixel noise (the
// "odd patch" a model of normal parts should find anomalous). Only integer
// hashing and double +,-,*,/ (no libm calls), so the bytes do not depend on
// the C library either.
std::vector<uint8_t> make_probe_rgb(uint64_t seed, int size);

// The same image as the engine's input: [1, 3, size, size] float32 in [-1, 1],
// on the CPU, normalised as frames are (crop_normalize).
at::Tensor make_probe_input(uint64_t seed, int size);

}  // namespace decodiff
