// nut: a hexagonal metal nut with a threaded hole, lying on a dark slate table.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "scene_utils.h"

namespace decodiff::data {

Scene render_nut(uint64_t seed, int size, int omit_part) {
  constexpr int kSs = 3;
  const int side = size * kSs;
  const float c = side / 2.f;
  Rng rng(mix_seed(seed, "nut"));
  const double angle = rng.uniform(0.0, 360.0);
  const cv::Point2d centre(size / 2.0 + rng.uniform(-0.04, 0.04) * size,
                           size / 2.0 + rng.uniform(-0.04, 0.04) * size);
  const float tone = static_cast<float>(rng.uniform(-0.04, 0.04));
  const float light_dir = static_cast<float>(0.8 + rng.uniform(-0.2, 0.2));
  const float rad = static_cast<float>(angle * CV_PI / 180.0);

  Scene scene;
  scene.image = surface(rng, cv::Size(size, size), cv::Vec3f(0.17f, 0.18f, 0.19f), 0.12f, 0.08f);

  const float outer = 0.36f * side, chamfer = 0.335f * side, thread_r = 0.205f * side, hole_r = 0.165f * side;
  const float ring_period = 0.012f * side, thread_period = 0.016f * side;
  // The light is fixed in the image, so shading uses angles in image orientation.
  auto image_angle = [&](float x, float y) { return std::atan2(y - c, x - c) - rad; };
  Canvas canvas(side);
  std::vector<cv::Point2f> hex;
  for (int k = 0; k < 6; ++k) {
    auto vertex = [&](int i) {
      const double a = (i % 6) * CV_PI / 3.0;
      return cv::Point2f(c + outer * static_cast<float>(std::cos(a)),
                         c + outer * static_cast<float>(std::sin(a)));
    };
    if (k == omit_part) {  // a chipped-off corner
      const cv::Point2f v = vertex(k), prev = vertex(k + 5), next = vertex(k + 1);
      const cv::Point2f inward = (prev + next) * 0.5f - v;
      hex.push_back(v + 0.45f * (prev - v));
      hex.push_back(v + 0.55f * inward + 0.08f * (prev - v));
      hex.push_back(v + 0.70f * inward - 0.05f * (prev - v));
      hex.push_back(v + 0.40f * (next - v));
    } else {
      hex.push_back(vertex(k));
    }
  }
  canvas.fill(hex, [&](float x, float y) {
    const float r = std::hypot(x - c, y - c);
    const float phi = image_angle(x, y);
    float v;
    if (r < chamfer) {
      v = 0.60f + 0.11f * std::cos(2.f * (phi - light_dir)) +
          0.025f * std::sin(2.f * static_cast<float>(CV_PI) * r / ring_period);
    } else {
      v = 0.42f + 0.16f * std::cos(phi - light_dir);
    }
    v *= 1.f + tone;
    return cv::Vec3f(v * 1.02f, v, v * 0.97f);
  });
  canvas.fill(circle_polygon({c, c}, thread_r), [&](float x, float y) {
    const float r = std::hypot(x - c, y - c);
    const float v = 0.34f + 0.10f * std::sin(2.f * static_cast<float>(CV_PI) * r / thread_period) +
                    0.08f * std::cos(image_angle(x, y) - light_dir + static_cast<float>(CV_PI));
    return cv::Vec3f(v * 1.02f, v, v * 0.97f);
  });
  canvas.erase(circle_polygon({c, c}, hole_r));

  place_object(scene, canvas, angle, centre, {0.02 * size, 0.03 * size}, 0.6f);

  // Defects go on the flat face, not the thread inside the hole.
  cv::Mat zone;
  const int e = std::max(1, static_cast<int>(0.03 * size));
  cv::erode(scene.foreground, zone,
            cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * e + 1, 2 * e + 1)));
  cv::circle(zone, centre, static_cast<int>(0.235 * size), cv::Scalar(0), cv::FILLED);
  scene.defect_zone = zone;
  scene.part_count = 6;
  return scene;
}

}  // namespace decodiff::data
