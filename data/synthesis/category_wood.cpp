// wood: a planed board seen from above, grain running top to bottom.
#include <algorithm>
#include <cmath>

#include "scene_utils.h"

namespace decodiff::data {

Scene render_wood(uint64_t seed, int size, int /*omit_part: wood has no parts*/) {
  constexpr int kSs = 2;
  const int side = size * kSs;
  Rng rng(mix_seed(seed, "wood"));
  const float angle = static_cast<float>(rng.uniform(-3.0, 3.0) * CV_PI / 180.0);
  const float rings = static_cast<float>(rng.uniform(7.0, 10.0));
  const float phase = static_cast<float>(rng.uniform(0.0, 1.0));
  const float tone = static_cast<float>(rng.uniform(-0.05, 0.05));
  const cv::Vec3f light = cv::Vec3f(0.52f, 0.70f, 0.84f) * (1.f + tone);
  const cv::Vec3f dark = cv::Vec3f(0.27f, 0.41f, 0.60f) * (1.f + tone);
  cv::Mat warp_low = value_noise(rng, cv::Size(side, side), 3, 2);
  cv::Mat warp_mid = value_noise(rng, cv::Size(side, side), 8, 3);
  cv::Mat fibres = value_noise(rng, cv::Size(side, side), std::max(8, side / 5), 3);
  cv::Mat pores = value_noise(rng, cv::Size(side, side), std::max(8, side / 3), std::max(4, side / 24));
  const bool knot = rng.chance(0.3);
  const cv::Point2f knot_at(static_cast<float>(rng.uniform(0.2, 0.8) * side),
                            static_cast<float>(rng.uniform(0.2, 0.8) * side));
  const float knot_r = static_cast<float>(rng.uniform(0.025, 0.045) * side);

  cv::Mat big(side, side, CV_32FC3);
  const float ca = std::cos(angle), sa = std::sin(angle);
  for (int y = 0; y < side; ++y) {
    cv::Vec3f* o = big.ptr<cv::Vec3f>(y);
    for (int x = 0; x < side; ++x) {
      const float u = (ca * x + sa * y) / side;
      float r = rings * u + phase + 0.9f * warp_low.at<float>(y, x) + 0.15f * warp_mid.at<float>(y, x);
      float knot_dark = 0.f;
      if (knot) {
        const float dx = (x - knot_at.x) / knot_r, dy = (y - knot_at.y) / (knot_r * 1.6f);
        const float d2 = dx * dx + dy * dy;
        r += 2.2f * std::exp(-d2 / 9.f);
        knot_dark = 0.75f * (1.f - smoothstep(0.6f, 1.1f, std::sqrt(d2)));
      }
      const float t = r - std::floor(r);
      const float late = smoothstep(0.55f, 0.8f, t) * (1.f - smoothstep(0.9f, 1.f, t));
      const float pore = pores.at<float>(y, x) > 0.75f ? 0.9f : 1.f;
      const float grain = (1.f + 0.06f * fibres.at<float>(y, x)) * pore;
      cv::Vec3f c = light * (1.f - 0.8f * late) + dark * (0.8f * late);
      c = c * (1.f - knot_dark) + dark * (0.55f * knot_dark);
      o[x] = c * grain;
    }
  }

  Scene scene;
  scene.image = downsample(big, size);
  scene.backdrop = cv::Mat(size, size, CV_32FC3, cv::Scalar(0.05, 0.07, 0.09));
  scene.foreground = cv::Mat(size, size, CV_8UC1, cv::Scalar(255));
  scene.defect_zone = cv::Mat(size, size, CV_8UC1, cv::Scalar(0));
  const int margin = std::max(2, size / 10);
  scene.defect_zone(cv::Rect(margin, margin, size - 2 * margin, size - 2 * margin)).setTo(255);
  scene.part_count = 0;
  return scene;
}

}  // namespace decodiff::data
