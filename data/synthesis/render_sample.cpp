#include "render_sample.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "defects.h"
#include "rng.h"
#include "scene.h"
#include "scene_utils.h"

namespace decodiff::data {
namespace {

constexpr int kMinVisibleChange = 24;  // grey levels, in the channel that changed most

// Pixels the defect changed too little to see are pushed away from the normal
// value, so that every masked pixel is visibly different.
void enforce_visible(const cv::Mat& normal, cv::Mat& image, const cv::Mat& mask) {
  for (int y = 0; y < image.rows; ++y) {
    const uchar* m = mask.ptr<uchar>(y);
    const cv::Vec3b* n = normal.ptr<cv::Vec3b>(y);
    cv::Vec3b* p = image.ptr<cv::Vec3b>(y);
    for (int x = 0; x < image.cols; ++x) {
      if (!m[x]) continue;
      int change = 0;
      for (int c = 0; c < 3; ++c) change = std::max(change, std::abs(int(p[x][c]) - int(n[x][c])));
      if (change >= kMinVisibleChange) continue;
      const int lum = (114 * n[x][0] + 587 * n[x][1] + 299 * n[x][2]) / 1000;
      const int shift = lum > 127 ? -kMinVisibleChange : kMinVisibleChange;
      for (int c = 0; c < 3; ++c) p[x][c] = cv::saturate_cast<uchar>(int(n[x][c]) + shift);
    }
  }
}

cv::Mat max_channel_diff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  cv::Mat channels[3];
  cv::split(diff, channels);
  return cv::max(cv::max(channels[0], channels[1]), channels[2]);
}

}  // namespace

std::vector<std::string> synth_categories() {
  std::vector<std::string> names;
  for (const CategoryInfo& c : category_registry()) names.push_back(c.name);
  return names;
}

std::string synth_category_look(const std::string& category) { return find_category(category).look; }

bool synth_category_is_texture(const std::string& category) { return find_category(category).texture; }

std::vector<DefectKind> synth_defect_kinds(const std::string& category) {
  const CategoryInfo& info = find_category(category);
  std::vector<DefectKind> kinds;
  for (DefectKind k : all_defect_kinds())
    if (k != DefectKind::missing_part || info.has_parts) kinds.push_back(k);
  return kinds;
}

uint64_t sample_seed(uint64_t dataset_seed, const std::string& category, const std::string& split,
                     int index) {
  return mix_seed(mix_seed(mix_seed(dataset_seed, category), split), static_cast<uint64_t>(index));
}

SynthSample render_sample(const std::string& category, DefectKind defect, uint64_t seed, int size) {
  if (size < kMinSynthSize || size > kMaxSynthSize)
    throw std::invalid_argument("image size " + std::to_string(size) + " is out of range [" +
                                std::to_string(kMinSynthSize) + ", " + std::to_string(kMaxSynthSize) + "]");
  const CategoryInfo& info = find_category(category);
  if (defect != DefectKind::none) {
    const auto kinds = synth_defect_kinds(category);
    if (std::find(kinds.begin(), kinds.end(), defect) == kinds.end()) {
      std::string list;
      for (DefectKind k : kinds) list += (list.empty() ? "" : ", ") + to_string(k);
      throw std::invalid_argument("category '" + category + "' has no defect kind '" + to_string(defect) +
                                  "' (its kinds: " + list + ")");
    }
  }

  const Scene scene = info.render(seed, size, -1);
  SynthSample out;
  out.category = category;
  out.defect = defect;
  const cv::Mat normal = finish_image(scene.image, seed);
  if (defect == DefectKind::none) {
    out.image = normal;
    out.mask = cv::Mat(size, size, CV_8UC1, cv::Scalar(0));
    out.foreground = scene.foreground;
    return out;
  }

  Rng rng(mix_seed(mix_seed(seed, "defect"), to_string(defect)));
  out.foreground = scene.foreground;
  if (defect == DefectKind::missing_part) {
    // The scene without one part, kept on the part's own pixels (the faint
    // change of the shadow it cast on the table is dropped). The anti-aliased
    // rim of the lost part changes too little to see; it keeps its normal
    // value and stays out of the mask rather than being forced to change.
    for (int attempt = 0; attempt < 20 && out.mask.empty(); ++attempt) {
      const Scene without = info.render(seed, size, rng.uniform_int(0, scene.part_count - 1));
      cv::Mat part_area;
      cv::dilate(scene.foreground | without.foreground, part_area, cv::Mat(), cv::Point(-1, -1), 2);
      cv::Mat defect_scene = scene.image.clone();
      without.image.copyTo(defect_scene, part_area);
      cv::Mat image = finish_image(defect_scene, seed);
      cv::Mat mask = (max_channel_diff(normal, image) >= kMinVisibleChange) & part_area;
      if (cv::countNonZero(mask) < 4) continue;
      normal.copyTo(image, ~mask);
      out.image = image;
      out.mask = mask;
      out.foreground = without.foreground;
    }
    if (out.mask.empty())
      throw std::runtime_error("could not leave a part out of a '" + category + "' sample");
    return out;
  }

  PaintedDefect painted = paint_defect(scene, defect, rng);
  out.image = finish_image(painted.image, seed);
  enforce_visible(normal, out.image, painted.mask);
  normal.copyTo(out.image, ~painted.mask);  // already equal by construction; this makes it a guarantee
  out.mask = painted.mask;
  return out;
}

}  // namespace decodiff::data
