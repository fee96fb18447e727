// capsule: a two-tone hard capsule with a printed imprint, lying on a dark tray.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "scene_utils.h"

namespace decodiff::data {

// Parts: 0 = the imprint, 1 = a piece broken off the red cap's end.
Scene render_capsule(uint64_t seed, int size, int omit_part) {
  constexpr int kSs = 3;
  const int side = size * kSs;
  const float c = side / 2.f;
  Rng rng(mix_seed(seed, "capsule"));
  const double angle = rng.uniform(-4.0, 4.0);
  const cv::Point2d centre(size / 2.0 + rng.uniform(-0.03, 0.03) * size,
                           size / 2.0 + rng.uniform(-0.03, 0.03) * size);
  const float tone = static_cast<float>(rng.uniform(-0.04, 0.04));
  const cv::Vec3f cap_colour = cv::Vec3f(0.13f, 0.22f, 0.78f) * (1.f + tone);
  const cv::Vec3f body_colour = cv::Vec3f(0.78f, 0.85f, 0.90f) * (1.f + 0.5f * tone);
  const cv::Vec3f ink(0.30f, 0.20f, 0.14f);
  const float break_y = static_cast<float>(rng.uniform(-0.6, 0.6));

  Scene scene;
  scene.image = surface(rng, cv::Size(size, size), cv::Vec3f(0.19f, 0.20f, 0.19f), 0.10f, 0.07f);

  const float length = 0.74f * side, diameter = 0.28f * side, radius = diameter / 2.f;
  const float x0 = c - length / 2.f, x1 = c + length / 2.f, seam = c + 0.03f * side;
  std::vector<cv::Point2f> outline;
  for (int i = 0; i <= 32; ++i) {  // right end, then left end
    const double a = -CV_PI / 2 + CV_PI * i / 32;
    outline.emplace_back(x1 - radius + radius * static_cast<float>(std::cos(a)),
                         c + radius * static_cast<float>(std::sin(a)));
  }
  for (int i = 0; i <= 32; ++i) {
    const double a = CV_PI / 2 + CV_PI * i / 32;
    outline.emplace_back(x0 + radius + radius * static_cast<float>(std::cos(a)),
                         c + radius * static_cast<float>(std::sin(a)));
  }
  auto shade = [&](float x, float y) {
    const float ax = std::min(std::max(x, x0 + radius), x1 - radius);
    const float d = std::hypot(x - ax, y - c) / radius;
    const float ty = (y - c) / radius;
    const float body = 0.60f + 0.40f * std::sqrt(std::max(0.f, 1.f - d * d));
    const float highlight =
        0.30f * std::exp(-((ty + 0.45f) / 0.13f) * ((ty + 0.45f) / 0.13f)) * (1.f - 0.8f * d * d);
    return std::make_pair(body, std::max(0.f, highlight));
  };
  Canvas canvas(side);
  canvas.fill(outline, [&](float x, float y) {
    auto [body, highlight] = shade(x, y);
    float step = std::abs(x - seam) < 0.004f * side ? 0.65f : 1.f;
    const cv::Vec3f& base = x < seam ? cap_colour : body_colour;
    return base * (body * step) + cv::Vec3f::all(highlight);
  });

  if (omit_part != 0) {
    cv::Mat text(side, side, CV_8UC1, cv::Scalar(0));
    const std::string label = "DD 10";
    const int thickness = std::max(1, static_cast<int>(0.05 * diameter));
    int baseline = 0;
    const cv::Size unit = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, 1.0, thickness, &baseline);
    const double scale =
        std::min(0.36 * diameter / unit.height, 0.62 * (x1 - seam - radius / 2) / unit.width);
    const cv::Size ts = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline);
    const float tx = (seam + x1 - radius / 2) / 2.f - ts.width / 2.f, ty = c + ts.height / 2.f;
    cv::putText(text, label, cv::Point(cvRound(tx), cvRound(ty)), cv::FONT_HERSHEY_SIMPLEX, scale,
                cv::Scalar(255), thickness, cv::LINE_8);
    canvas.fill_mask(text, [&](float x, float y) {
      auto [body, highlight] = shade(x, y);
      return ink * (0.6f + 0.4f * body) + cv::Vec3f::all(0.3f * highlight);
    });
  }
  if (omit_part == 1) {  // the end of the cap broke off along a jagged line
    std::vector<cv::Point2f> piece = {{x0 - 2.f, c - radius - 2.f}};
    const float cut = x0 + 0.45f * diameter;
    for (int i = 0; i <= 6; ++i) {
      const float yy = c - radius - 2.f + (diameter + 4.f) * i / 6.f;
      const float jag = (i % 2 ? 0.06f : -0.04f) * diameter + break_y * 0.08f * diameter;
      piece.emplace_back(cut + jag, yy);
    }
    piece.push_back({x0 - 2.f, c + radius + 2.f});
    canvas.erase(piece);
  }

  place_object(scene, canvas, angle, centre, {0.015 * size, 0.03 * size}, 0.55f);

  const int e = std::max(1, static_cast<int>(0.035 * size));
  cv::erode(scene.foreground, scene.defect_zone,
            cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * e + 1, 2 * e + 1)));
  scene.part_count = 2;
  return scene;
}

}  // namespace decodiff::data
