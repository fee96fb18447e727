// Internal to decodiff-data: drawing a defect onto a clean scene.
#pragma once

#include <opencv2/core.hpp>

#include "defect_kind.h"
#include "rng.h"
#include "scene.h"

namespace decodiff::data {

struct PaintedDefect {
  cv::Mat image;  // CV_32FC3: the scene with the defect; equal to scene.image outside mask
  cv::Mat mask;   // CV_8UC1 0/255: the pixels the defect covers (inside scene.foreground)
};

// Draws a scratch, spot, hole, colour_stain or crack centred in
// scene.defect_zone. missing_part is not painted (the renderer leaves the part
// out instead). Throws std::invalid_argument for none and missing_part.
PaintedDefect paint_defect(const Scene& scene, DefectKind kind, Rng& rng);

}  // namespace decodiff::data
