// Internal to decodiff-data: the clean (noise-free) scene a category renders,
// before defects, lighting and sensor noise are applied.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace decodiff::data {

struct Scene {
  cv::Mat image;        // CV_32FC3, BGR in [0, 1]
  cv::Mat backdrop;     // CV_32FC3: what a hole through the part shows
  cv::Mat foreground;   // CV_8UC1 0/255: the inspected part (the whole frame for textures)
  cv::Mat defect_zone;  // CV_8UC1 0/255: where a defect may be centred
  int part_count = 0;   // parts that missing_part may omit; 0 when the category has none
};

// Renders the normal look of a category for a sample seed at size x size;
// omit_part in [0, part_count) leaves that part out, -1 keeps everything.
// Everything random is drawn whether or not a part is omitted, so the scenes
// with and without a part differ only where the part was.
using SceneRenderer = Scene (*)(uint64_t seed, int size, int omit_part);

struct CategoryInfo {
  std::string name;
  std::string look;  // one line for --help and the docs
  bool texture;      // fills the frame (true) or an object on a background (false)
  bool has_parts;    // whether missing_part applies
  SceneRenderer render;
};

// The categories in a fixed order.
const std::vector<CategoryInfo>& category_registry();

// Throws std::invalid_argument "unknown category 'x' (known: a, b, ...)".
const CategoryInfo& find_category(const std::string& name);

Scene render_weave(uint64_t seed, int size, int omit_part);
Scene render_wood(uint64_t seed, int size, int omit_part);
Scene render_nut(uint64_t seed, int size, int omit_part);
Scene render_pcb(uint64_t seed, int size, int omit_part);
Scene render_capsule(uint64_t seed, int size, int omit_part);

}  // namespace decodiff::data
