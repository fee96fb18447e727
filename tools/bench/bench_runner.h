// Stage-by-stage timing of the engine (decodiff-bench).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "bench_stats.h"
#include "engine.h"

namespace decodiff::bench {

struct BenchCase {
  int batch = 1;
  Precision precision = Precision::kFloat32;
  int steps = 0;  // 0 = model default
  int warmup = 2;
  int iterations = 10;
  // Camera frames of this size (uint8 RGB) go through the pre-processing;
  // 0 = frames of the model's resize size (no resampling work).
  int frame_width = 0, frame_height = 0;
};

// Times one case on an engine: per stage (synchronised between stages on
// CUDA), end to end (Engine::run without intermediate synchronisation), and
// counts FLOPs per frame once. Progress goes to `log`.
nlohmann::json run_case(Engine& engine, const BenchCase& c,
                        const std::function<void(const std::string&)>& log);

// A random-weight model of a preset ("XS".."XL") with the Stable Diffusion
// VAE configuration at crop `size` (resize = size * 9 / 8); the same weights on
// every call (fixed seed; the zero-initialised output convolutions get small
// random weights so that the correction does something).
LoadedModel preset_model(const std::string& preset, int size, int ncls = 15);

// Largest |difference| between the anomaly maps of `engine` and `reference`
// (same model) on the same random batch of inputs.
double max_map_difference(Engine& engine, Engine& reference, int batch);

}  // namespace decodiff::bench
