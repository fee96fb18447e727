// weave: a plain-weave fabric seen from above, filling the frame.
#include <algorithm>
#include <cmath>

#include "scene_utils.h"

namespace decodiff::data {
namespace {

float thread_tone(uint64_t seed, int index, int orientation) {
  Rng r(mix_seed(mix_seed(seed, static_cast<uint64_t>(index) * 2 + orientation), "thread"));
  return static_cast<float>(r.uniform(-0.07, 0.07));
}

struct MissingSegment {
  bool warp = true;  // a warp (vertical) thread, else a weft (horizontal) one
  int thread = 0;
  int from = 0, to = -1;  // cells along the thread
};

}  // namespace

Scene render_weave(uint64_t seed, int size, int omit_part) {
  constexpr int kSs = 2;
  const int side = size * kSs;
  Rng rng(mix_seed(seed, "weave"));
  const float period = std::max(6.f, 0.075f * side);
  const float angle = static_cast<float>(rng.uniform(-3.0, 3.0) * CV_PI / 180.0);
  const float phase_u = static_cast<float>(rng.uniform(0.0, period));
  const float phase_v = static_cast<float>(rng.uniform(0.0, period));
  const float tone = static_cast<float>(rng.uniform(-0.04, 0.04));
  const cv::Vec3f warp_colour = cv::Vec3f(0.36f, 0.47f, 0.63f) * (1.f + tone);
  const cv::Vec3f weft_colour = cv::Vec3f(0.43f, 0.53f, 0.66f) * (1.f + tone);
  const cv::Vec3f backing(0.06f, 0.07f, 0.08f);
  const float half_width = 0.40f;
  cv::Mat along = value_noise(rng, cv::Size(side, side), 6, 6);
  cv::Mat fibre = value_noise(rng, cv::Size(side, side), side / 4, side / 4);
  const uint64_t thread_seed = rng.next();

  // Every part id names a different missing thread segment near the centre.
  MissingSegment missing;
  {
    Rng pr(mix_seed(seed, static_cast<uint64_t>(std::max(omit_part, 0)) + 1000));
    missing.warp = pr.chance(0.5);
    const float px = static_cast<float>(pr.uniform(0.25, 0.75) * side);
    const float py = static_cast<float>(pr.uniform(0.25, 0.75) * side);
    const float pu = std::cos(angle) * px + std::sin(angle) * py + phase_u;
    const float pv = -std::sin(angle) * px + std::cos(angle) * py + phase_v;
    const int length = pr.uniform_int(3, 5);
    missing.thread = static_cast<int>(std::floor((missing.warp ? pu : pv) / period));
    missing.from = static_cast<int>(std::floor((missing.warp ? pv : pu) / period)) - length / 2;
    missing.to = omit_part >= 0 ? missing.from + length - 1 : missing.from - 1;
  }

  cv::Mat big(side, side, CV_32FC3);
  const float ca = std::cos(angle), sa = std::sin(angle);
  for (int y = 0; y < side; ++y) {
    cv::Vec3f* o = big.ptr<cv::Vec3f>(y);
    for (int x = 0; x < side; ++x) {
      const float u = ca * x + sa * y + phase_u, v = -sa * x + ca * y + phase_v;
      const int i = static_cast<int>(std::floor(u / period)), j = static_cast<int>(std::floor(v / period));
      const float fu = u / period - i, fv = v / period - j;
      const float du = std::abs(fu - 0.5f) / half_width, dv = std::abs(fv - 0.5f) / half_width;
      const bool warp_gone = missing.warp && i == missing.thread && j >= missing.from && j <= missing.to;
      const bool weft_gone = !missing.warp && j == missing.thread && i >= missing.from && i <= missing.to;
      const bool in_warp = du < 1.f && !warp_gone, in_weft = dv < 1.f && !weft_gone;
      const bool warp_on_top = ((i + j) & 1) == 0;
      const float grain = 1.f + 0.05f * fibre.at<float>(y, x) + 0.04f * along.at<float>(y, x);
      auto thread = [&](bool is_warp, bool top) {
        const float d = is_warp ? du : dv;
        const float f_along = is_warp ? fv : fu;
        const float across = 0.55f + 0.45f * std::sqrt(std::max(0.f, 1.f - d * d));
        const float bulge = top ? 0.82f + 0.18f * std::sin(static_cast<float>(CV_PI) * f_along) : 0.72f;
        const float twist =
            1.f + 0.06f * std::sin(2.f * static_cast<float>(CV_PI) * (f_along * 4.f + d * 1.5f));
        const float t = 1.f + thread_tone(thread_seed, is_warp ? i : j, is_warp ? 0 : 1);
        return (is_warp ? warp_colour : weft_colour) * (across * bulge * twist * t * grain);
      };
      if (warp_on_top && in_warp)
        o[x] = thread(true, true);
      else if (!warp_on_top && in_weft)
        o[x] = thread(false, true);
      else if (in_warp)
        o[x] = thread(true, false);
      else if (in_weft)
        o[x] = thread(false, false);
      else
        o[x] = backing * grain;
    }
  }

  Scene scene;
  scene.image = downsample(big, size);
  scene.backdrop = cv::Mat(size, size, CV_32FC3, cv::Scalar(backing[0], backing[1], backing[2]));
  scene.foreground = cv::Mat(size, size, CV_8UC1, cv::Scalar(255));
  scene.defect_zone = cv::Mat(size, size, CV_8UC1, cv::Scalar(0));
  const int margin = std::max(2, size / 10);
  scene.defect_zone(cv::Rect(margin, margin, size - 2 * margin, size - 2 * margin)).setTo(255);
  scene.part_count = 1000;
  return scene;
}

}  // namespace decodiff::data
