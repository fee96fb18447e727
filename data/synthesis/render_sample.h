// One synthetic inspection image (and its exact defect mask), rendered in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "defect_kind.h"

namespace decodiff::data {

// Bumped whenever a change makes the same seed render different pixels.
constexpr int kSynthGeneratorVersion = 1;
constexpr int kMinSynthSize = 32;
constexpr int kMaxSynthSize = 4096;

struct SynthSample {
  cv::Mat image;       // CV_8UC3, BGR
  cv::Mat mask;        // CV_8UC1: 255 exactly where the defect changed the image, else 0 (all 0 when good)
  cv::Mat foreground;  // CV_8UC1: 255 on the inspected part (the whole frame for textures)
  std::string category;
  DefectKind defect = DefectKind::none;
};

// "weave", "wood", "nut", "pcb", "capsule".
std::vector<std::string> synth_categories();

// A one-line description of a category's look; throws for an unknown category.
std::string synth_category_look(const std::string& category);

// Texture categories fill the whole frame; the others are an object on a background.
bool synth_category_is_texture(const std::string& category);

// The defect kinds a category supports (all but missing_part for wood).
std::vector<DefectKind> synth_defect_kinds(const std::string& category);

// Renders sample `seed` of a category at size x size (kMinSynthSize..kMaxSynthSize).
// The same (category, seed, size) gives the same normal look for every defect
// kind: render_sample(c, k, s, n) differs from render_sample(c, none, s, n)
// exactly where its mask is 255, by at least 24 grey levels in some channel.
// Throws std::invalid_argument for an unknown category, an unsupported defect
// kind or a size out of range.
SynthSample render_sample(const std::string& category, DefectKind defect, uint64_t seed, int size);

// The sample seed of image `index` of a split ("train/good", "test/good",
// "test/scratch", "video", ...) of a category in a dataset made from dataset_seed.
uint64_t sample_seed(uint64_t dataset_seed, const std::string& category, const std::string& split, int index);

}  // namespace decodiff::data
