// pcb: a small green circuit board (the same design in every sample) on a light
// grey fixture. Parts that may go missing: 0 the IC, 1 the electrolytic
// capacitor, 2-4 the resistors, 5-6 the ceramic capacitors.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "scene_utils.h"

namespace decodiff::data {
namespace {

using Pts = std::vector<cv::Point2f>;

const cv::Vec3f kSolder(0.55f, 0.57f, 0.59f);    // bare pads, vias, connector
const cv::Vec3f kTerminal(0.84f, 0.85f, 0.87f);  // the bright metal ends of the components
const cv::Vec3f kGold(0.30f, 0.58f, 0.80f);
const cv::Vec3f kSilk(0.88f, 0.90f, 0.90f);

struct Layout {
  cv::Point2f ic{-0.10f, -0.06f};
  cv::Point2f electrolytic{0.26f, -0.20f};
  cv::Point2f resistors[3] = {{0.24f, 0.04f}, {0.24f, 0.13f}, {0.24f, 0.22f}};
  cv::Point2f capacitors[2] = {{-0.32f, 0.24f}, {-0.20f, 0.24f}};
};

// x of the IC's pin i (7 per side) at its nominal place, relative to the board centre
float ic_pin_x(int i) { return -0.19f + 0.03f * i; }

}  // namespace

Scene render_pcb(uint64_t seed, int size, int omit_part) {
  constexpr int kSs = 3;
  const int side = size * kSs;
  const float s = static_cast<float>(side);
  Rng rng(mix_seed(seed, "pcb"));
  const double angle = rng.uniform(-1.5, 1.5);
  const cv::Point2d centre(size / 2.0 + rng.uniform(-0.02, 0.02) * size,
                           size / 2.0 + rng.uniform(-0.02, 0.02) * size);
  const float tone = static_cast<float>(rng.uniform(-0.04, 0.04));
  Layout lay;  // nominal positions, then a placement tolerance per component
  auto jitter = [&](cv::Point2f& p) {
    p.x += static_cast<float>(rng.uniform(-0.003, 0.003));
    p.y += static_cast<float>(rng.uniform(-0.003, 0.003));
  };
  Layout placed = lay;
  jitter(placed.ic);
  jitter(placed.electrolytic);
  for (auto& p : placed.resistors) jitter(p);
  for (auto& p : placed.capacitors) jitter(p);

  Scene scene;
  scene.image = surface(rng, cv::Size(size, size), cv::Vec3f(0.68f, 0.70f, 0.70f), 0.06f, 0.04f);
  cv::Mat fibre = value_noise(rng, cv::Size(side, side), side / 6, side / 6);

  // Board coordinates (fractions of the side, origin at the board centre) to canvas pixels.
  auto P = [&](float x, float y) { return cv::Point2f(s / 2.f + x * s, s / 2.f + y * s); };
  auto Pi = [&](float x, float y) {
    cv::Point2f p = P(x, y);
    return cv::Point(cvRound(p.x), cvRound(p.y));
  };
  auto rect = [&](cv::Point2f c, float w, float h) { return rect_polygon(P(c.x, c.y), w * s, h * s); };
  auto flat = [](cv::Vec3f colour) { return [colour](float, float) { return colour; }; };

  Canvas canvas(side);
  const cv::Vec3f mask_green = cv::Vec3f(0.16f, 0.37f, 0.11f) * (1.f + tone);
  canvas.fill(rounded_rect_polygon(P(0, 0), 0.90f * s, 0.84f * s, 0.03f * s), [&](float x, float y) {
    return mask_green * (1.f + 0.06f * fibre.at<float>(static_cast<int>(y), static_cast<int>(x)));
  });

  // Copper traces under the solder mask show as lighter green.
  cv::Mat traces(side, side, CV_8UC1, cv::Scalar(0));
  const int trace_w = std::max(1, cvRound(0.011f * s));
  auto trace = [&](std::initializer_list<cv::Point2f> pts) {
    std::vector<cv::Point> line;
    for (const auto& p : pts) line.push_back(Pi(p.x, p.y));
    cv::polylines(traces, line, false, cv::Scalar(255), trace_w, cv::LINE_8);
  };
  for (int k = 0; k < 3; ++k) {
    const float y = lay.resistors[k].y, x = ic_pin_x(6 - k);
    trace({{0.195f, y}, {x, y}, {x, 0.03f}});
    trace({{0.285f, y}, {0.38f, y}});
  }
  trace({{-0.32f, 0.20f}, {-0.32f, 0.10f}, {-0.19f, 0.10f}, {-0.19f, 0.03f}});
  trace({{-0.20f, 0.20f}, {-0.20f, 0.14f}, {-0.13f, 0.14f}, {-0.13f, 0.03f}});
  trace({{-0.32f, 0.28f}, {-0.32f, 0.31f}, {-0.05f, 0.31f}, {-0.05f, 0.35f}});
  trace({{-0.20f, 0.28f}, {-0.20f, 0.31f}});
  for (int i = 0; i < 5; ++i) {
    const float x = ic_pin_x(i);
    trace({{x, -0.15f}, {x, i == 4 ? -0.21f : -0.25f - 0.03f * (i % 2)}});
  }
  trace({{ic_pin_x(6), -0.15f}, {ic_pin_x(6), -0.20f}, {0.21f, -0.20f}});
  trace({{ic_pin_x(5), -0.15f}, {ic_pin_x(5), -0.31f}, {0.31f, -0.31f}, {0.31f, -0.20f}});
  canvas.fill_mask(traces, flat(cv::Vec3f(0.22f, 0.52f, 0.17f) * (1.f + tone)));

  // Pads, vias and the connector: bare tin.
  const float pin_w = 0.018f, pin_len = 0.035f;
  for (int i = 0; i < 7; ++i) {
    const float x = ic_pin_x(i);
    canvas.fill(rect({x, lay.ic.y - 0.090f}, pin_w + 0.006f, pin_len + 0.012f), kSolder);
    canvas.fill(rect({x, lay.ic.y + 0.090f}, pin_w + 0.006f, pin_len + 0.012f), kSolder);
  }
  canvas.fill(rect({lay.electrolytic.x - 0.05f, lay.electrolytic.y}, 0.04f, 0.05f), kSolder);
  canvas.fill(rect({lay.electrolytic.x + 0.05f, lay.electrolytic.y}, 0.04f, 0.05f), kSolder);
  for (const auto& r : lay.resistors) {
    canvas.fill(rect({r.x - 0.045f, r.y}, 0.035f, 0.05f), kSolder);
    canvas.fill(rect({r.x + 0.045f, r.y}, 0.035f, 0.05f), kSolder);
  }
  for (const auto& cp : lay.capacitors) {
    canvas.fill(rect({cp.x, cp.y - 0.04f}, 0.05f, 0.035f), kSolder);
    canvas.fill(rect({cp.x, cp.y + 0.04f}, 0.05f, 0.035f), kSolder);
  }
  const cv::Point2f vias[] = {{ic_pin_x(0), -0.25f}, {ic_pin_x(1), -0.28f}, {ic_pin_x(2), -0.25f},
                              {ic_pin_x(3), -0.28f}, {ic_pin_x(4), -0.21f}, {0.38f, 0.04f},
                              {0.38f, 0.13f},        {0.38f, 0.22f}};
  for (const auto& v : vias) {
    canvas.fill(circle_polygon(P(v.x, v.y), 0.013f * s, 24), kSolder);
    canvas.fill(circle_polygon(P(v.x, v.y), 0.005f * s, 16), cv::Vec3f(0.05f, 0.06f, 0.05f));
  }
  for (int i = 0; i < 6; ++i) {
    const cv::Point2f p(-0.05f + 0.05f * i, 0.35f);
    canvas.fill(rect(p, 0.036f, 0.036f), kSolder);
    canvas.fill(circle_polygon(P(p.x, p.y), 0.009f * s, 16), cv::Vec3f(0.05f, 0.06f, 0.05f));
  }

  // Silkscreen.
  cv::Mat silk(side, side, CV_8UC1, cv::Scalar(0));
  const int silk_w = std::max(1, cvRound(0.004f * s));
  auto outline = [&](cv::Point2f c, float w, float h) {
    cv::rectangle(silk, Pi(c.x - w / 2, c.y - h / 2), Pi(c.x + w / 2, c.y + h / 2), cv::Scalar(255), silk_w);
  };
  outline(lay.ic, 0.29f, 0.23f);
  for (const auto& r : lay.resistors) outline(r, 0.14f, 0.07f);
  for (const auto& cp : lay.capacitors) outline(cp, 0.07f, 0.13f);
  cv::circle(silk, Pi(lay.electrolytic.x, lay.electrolytic.y), cvRound(0.088f * s), cv::Scalar(255), silk_w);
  const double text_scale = 0.032 * s / 22.0;
  const int text_w = std::max(1, cvRound(0.005f * s));
  cv::putText(silk, "DD-01 REV A", Pi(-0.30f, -0.355f), cv::FONT_HERSHEY_SIMPLEX, text_scale, cv::Scalar(255),
              text_w);
  cv::putText(silk, "U1", Pi(-0.36f, -0.03f), cv::FONT_HERSHEY_SIMPLEX, text_scale, cv::Scalar(255), text_w);
  cv::putText(silk, "+", Pi(0.14f, -0.25f), cv::FONT_HERSHEY_SIMPLEX, text_scale, cv::Scalar(255), text_w);
  canvas.fill_mask(silk, flat(kSilk));

  // Components.
  if (omit_part != 0) {
    const cv::Point2f ic = placed.ic;
    for (int i = 0; i < 7; ++i) {
      const float x = ic_pin_x(i) + (ic.x - lay.ic.x);
      canvas.fill(rect({x, ic.y - 0.085f}, pin_w, pin_len), cv::Vec3f(0.78f, 0.80f, 0.82f));
      canvas.fill(rect({x, ic.y + 0.085f}, pin_w, pin_len), cv::Vec3f(0.78f, 0.80f, 0.82f));
    }
    const cv::Point2f body = P(ic.x, ic.y);
    canvas.fill(rect(ic, 0.26f, 0.15f), [&](float x, float y) {
      const float g = 0.09f + 0.03f * (x - body.x) / s + 0.02f * (body.y - y) / s;
      return cv::Vec3f(g, g, g * 1.05f);
    });
    canvas.fill(circle_polygon(P(ic.x - 0.105f, ic.y + 0.045f), 0.012f * s, 24),
                cv::Vec3f(0.22f, 0.22f, 0.23f));
    cv::Mat mark(side, side, CV_8UC1, cv::Scalar(0));
    cv::putText(mark, "DD32", Pi(ic.x - 0.07f, ic.y + 0.015f), cv::FONT_HERSHEY_SIMPLEX, 0.045 * s / 22.0,
                cv::Scalar(255), std::max(1, cvRound(0.005f * s)));
    canvas.fill_mask(mark, flat(cv::Vec3f(0.36f, 0.36f, 0.37f)));
  }
  if (omit_part != 1) {
    const cv::Point2f e = P(placed.electrolytic.x, placed.electrolytic.y);
    canvas.fill(circle_polygon(e, 0.075f * s), [&](float x, float y) {
      const float d = std::hypot(x - e.x, y - e.y) / (0.075f * s);
      const float v = 0.75f + 0.25f * (1.f - d) + 0.15f * (e.y - y) / (0.075f * s);
      return cv::Vec3f(0.52f, 0.28f, 0.12f) * v;
    });
    Pts stripe;
    for (int i = 0; i <= 12; ++i) {
      const double a = CV_PI * (0.75 + 0.5 * i / 12.0);
      stripe.emplace_back(e.x + 0.075f * s * static_cast<float>(std::cos(a)),
                          e.y + 0.075f * s * static_cast<float>(std::sin(a)));
    }
    for (int i = 12; i >= 0; --i) {
      const double a = CV_PI * (0.75 + 0.5 * i / 12.0);
      stripe.emplace_back(e.x + 0.058f * s * static_cast<float>(std::cos(a)),
                          e.y + 0.058f * s * static_cast<float>(std::sin(a)));
    }
    canvas.fill(stripe, cv::Vec3f(0.72f, 0.66f, 0.58f));
    canvas.fill(circle_polygon(e, 0.058f * s), [&](float x, float y) {
      const float v = 0.66f + 0.12f * (e.y - y) / (0.058f * s) - 0.06f * (x - e.x) / (0.058f * s);
      return cv::Vec3f(v, v * 1.01f, v * 1.03f);
    });
    const float arm = 0.040f * s, w = std::max(1.f, 0.004f * s);
    canvas.fill(rect_polygon(e, 2 * arm, w), cv::Vec3f(0.35f, 0.36f, 0.37f));
    canvas.fill(rect_polygon(e, w, 2 * arm), cv::Vec3f(0.35f, 0.36f, 0.37f));
  }
  for (int k = 0; k < 3; ++k) {
    if (omit_part == 2 + k) continue;
    const cv::Point2f r = placed.resistors[k];
    canvas.fill(rect(r, 0.09f, 0.045f), cv::Vec3f(0.10f, 0.10f, 0.10f));
    canvas.fill(rect({r.x - 0.0375f, r.y}, 0.015f, 0.045f), kTerminal);
    canvas.fill(rect({r.x + 0.0375f, r.y}, 0.015f, 0.045f), kTerminal);
  }
  for (int k = 0; k < 2; ++k) {
    if (omit_part == 5 + k) continue;
    const cv::Point2f cp = placed.capacitors[k];
    canvas.fill(rect(cp, 0.045f, 0.085f), cv::Vec3f(0.42f, 0.58f, 0.70f));
    canvas.fill(rect({cp.x, cp.y - 0.035f}, 0.045f, 0.015f), kTerminal);
    canvas.fill(rect({cp.x, cp.y + 0.035f}, 0.045f, 0.015f), kTerminal);
  }

  // Mounting holes.
  for (float mx : {-0.40f, 0.40f})
    for (float my : {-0.36f, 0.36f}) {
      canvas.fill(circle_polygon(P(mx, my), 0.030f * s), kGold);
      canvas.erase(circle_polygon(P(mx, my), 0.016f * s));
    }

  place_object(scene, canvas, angle, centre, {0.012 * size, 0.018 * size}, 0.45f);

  const int e = std::max(1, static_cast<int>(0.05 * size));
  cv::erode(scene.foreground, scene.defect_zone,
            cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * e + 1, 2 * e + 1)));
  scene.part_count = 7;
  return scene;
}

}  // namespace decodiff::data
