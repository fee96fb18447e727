#include "defects.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "scene_utils.h"

namespace decodiff::data {
namespace {

float luminance(const cv::Vec3f& c) { return 0.114f * c[0] + 0.587f * c[1] + 0.299f * c[2]; }

cv::Point2f pick_centre(const Scene& scene, Rng& rng) {
  std::vector<cv::Point> where;
  cv::findNonZero(scene.defect_zone, where);
  if (where.empty()) cv::findNonZero(scene.foreground, where);
  if (where.empty()) throw std::runtime_error("synthetic scene has no foreground to put a defect on");
  const cv::Point p = where[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(where.size()) - 1))];
  return {p.x + 0.5f, p.y + 0.5f};
}

cv::Vec3f mean_colour(const cv::Mat& image, const cv::Mat& mask) {
  const cv::Scalar m = cv::mean(image, mask);
  return {static_cast<float>(m[0]), static_cast<float>(m[1]), static_cast<float>(m[2])};
}

// An irregular closed outline: radius * (1 + roughness * smooth angular noise).
std::vector<cv::Point> blob(cv::Point2f centre, float radius, float roughness, float elongation, Rng& rng) {
  constexpr int kShift = 4;
  double phase[3], amp[3];
  for (int k = 0; k < 3; ++k) {
    phase[k] = rng.uniform(0.0, 2.0 * CV_PI);
    amp[k] = rng.uniform(0.3, 1.0) / (k + 1);
  }
  const double tilt = rng.uniform(0.0, CV_PI);
  std::vector<cv::Point> pts;
  for (int i = 0; i < 48; ++i) {
    const double a = 2.0 * CV_PI * i / 48;
    double n = 0;
    for (int k = 0; k < 3; ++k) n += amp[k] * std::sin((k + 2) * a + phase[k]);
    const double r = radius * (1.0 + roughness * n / 1.8);
    const double ex = r * elongation * std::cos(a), ey = r * std::sin(a);
    const double x = centre.x + ex * std::cos(tilt) - ey * std::sin(tilt);
    const double y = centre.y + ex * std::sin(tilt) + ey * std::cos(tilt);
    pts.emplace_back(cvRound(x * (1 << kShift)), cvRound(y * (1 << kShift)));
  }
  return pts;
}

void fill_blob(cv::Mat& mask, const std::vector<cv::Point>& pts) {
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(255), cv::LINE_8, 4);
}

cv::Mat empty_mask(const Scene& scene) { return cv::Mat(scene.image.size(), CV_8UC1, cv::Scalar(0)); }

// Blends colour over the image inside mask with a per-pixel alpha.
template <typename AlphaFn, typename ColourFn>
void blend(cv::Mat& image, const cv::Mat& mask, AlphaFn alpha, ColourFn colour) {
  for (int y = 0; y < image.rows; ++y) {
    const uchar* m = mask.ptr<uchar>(y);
    cv::Vec3f* p = image.ptr<cv::Vec3f>(y);
    for (int x = 0; x < image.cols; ++x) {
      if (!m[x]) continue;
      const float a = alpha(x, y);
      p[x] = p[x] * (1.f - a) + colour(x, y, p[x]) * a;
    }
  }
}

PaintedDefect scratch(const Scene& scene, Rng& rng) {
  const int size = scene.image.cols;
  const float unit = size / 256.f;
  const cv::Point2f c = pick_centre(scene, rng);
  const float length = static_cast<float>(rng.uniform(0.15, 0.32)) * size;
  const double dir = rng.uniform(0.0, CV_PI);
  const cv::Point2f d(static_cast<float>(std::cos(dir)), static_cast<float>(std::sin(dir))), n(-d.y, d.x);
  const cv::Point2f p0 = c - d * (length / 2), p2 = c + d * (length / 2);
  const cv::Point2f p1 = c + n * (static_cast<float>(rng.uniform(-0.3, 0.3)) * length);
  const int thickness = std::max(1, cvRound(rng.uniform(1.0, 2.2) * unit));
  std::vector<cv::Point> line;
  for (int i = 0; i <= 40; ++i) {
    const float t = i / 40.f;
    const cv::Point2f p = (1 - t) * (1 - t) * p0 + 2 * (1 - t) * t * p1 + t * t * p2;
    line.emplace_back(cvRound(p.x), cvRound(p.y));
  }
  PaintedDefect out{scene.image.clone(), empty_mask(scene)};
  cv::polylines(out.mask, line, false, cv::Scalar(255), thickness, cv::LINE_8);
  out.mask &= scene.foreground;
  const bool bright = luminance(mean_colour(scene.image, out.mask)) < 0.62f;
  const cv::Vec3f tone = bright ? cv::Vec3f(0.93f, 0.94f, 0.95f) : cv::Vec3f(0.08f, 0.08f, 0.09f);
  blend(
      out.image, out.mask, [](int, int) { return 0.85f; }, [&](int, int, const cv::Vec3f&) { return tone; });
  return out;
}

PaintedDefect spot(const Scene& scene, Rng& rng) {
  const int size = scene.image.cols;
  const cv::Point2f c = pick_centre(scene, rng);
  const float r = std::max(2.f, static_cast<float>(rng.uniform(0.03, 0.065)) * size);
  PaintedDefect out{scene.image.clone(), empty_mask(scene)};
  fill_blob(out.mask, blob(c, r, 0.25f, static_cast<float>(rng.uniform(1.0, 1.4)), rng));
  out.mask &= scene.foreground;
  const bool dark = luminance(mean_colour(scene.image, out.mask)) > 0.3f;
  const cv::Vec3f tone = dark ? cv::Vec3f(0.05f, 0.06f, 0.08f) : cv::Vec3f(0.80f, 0.82f, 0.78f);
  blend(
      out.image, out.mask,
      [&](int x, int y) {
        const float d = std::hypot(x + 0.5f - c.x, y + 0.5f - c.y) / (1.4f * r);
        return std::max(0.6f, 0.92f - 0.3f * d * d);
      },
      [&](int, int, const cv::Vec3f&) { return tone; });
  return out;
}

PaintedDefect hole(const Scene& scene, Rng& rng) {
  const int size = scene.image.cols;
  const float unit = size / 256.f;
  const cv::Point2f c = pick_centre(scene, rng);
  const float r = std::max(2.f, static_cast<float>(rng.uniform(0.035, 0.065)) * size);
  PaintedDefect out{scene.image.clone(), empty_mask(scene)};
  fill_blob(out.mask, blob(c, r, 0.15f, static_cast<float>(rng.uniform(1.0, 1.25)), rng));
  out.mask &= scene.foreground;
  // A dark torn rim around what shows through.
  cv::Mat inner;
  const int rim = std::max(1, cvRound(1.5f * unit));
  cv::erode(out.mask, inner,
            cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * rim + 1, 2 * rim + 1)));
  for (int y = 0; y < size; ++y) {
    const uchar* m = out.mask.ptr<uchar>(y);
    const uchar* in = inner.ptr<uchar>(y);
    const cv::Vec3f* bd = scene.backdrop.ptr<cv::Vec3f>(y);
    cv::Vec3f* p = out.image.ptr<cv::Vec3f>(y);
    for (int x = 0; x < size; ++x) {
      if (!m[x]) continue;
      p[x] = in[x] ? bd[x] * 0.55f : p[x] * 0.3f;
    }
  }
  return out;
}

PaintedDefect colour_stain(const Scene& scene, Rng& rng) {
  const int size = scene.image.cols;
  const cv::Point2f c = pick_centre(scene, rng);
  const float r = std::max(3.f, static_cast<float>(rng.uniform(0.06, 0.11)) * size);
  PaintedDefect out{scene.image.clone(), empty_mask(scene)};
  fill_blob(out.mask, blob(c, r, 0.35f, static_cast<float>(rng.uniform(1.0, 1.5)), rng));
  out.mask &= scene.foreground;
  // The stain colour farthest from the surface it lands on.
  const cv::Vec3f candidates[] = {
      {0.10f, 0.30f, 0.62f},  // rust
      {0.62f, 0.28f, 0.10f},  // blue ink
      {0.18f, 0.55f, 0.20f},  // green
      {0.52f, 0.16f, 0.48f},  // purple
  };
  const cv::Vec3f mean = mean_colour(scene.image, out.mask);
  cv::Vec3f stain = candidates[0];
  for (const cv::Vec3f& cand : candidates)
    if (cv::norm(cand - mean) > cv::norm(stain - mean)) stain = cand;
  cv::Mat density = value_noise(rng, scene.image.size(), 6, 6);
  cv::Mat inner;
  cv::erode(out.mask, inner, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));
  blend(
      out.image, out.mask,
      [&](int x, int y) {
        const float a = 0.55f + 0.12f * density.at<float>(y, x);
        return inner.at<uchar>(y, x) ? a : std::min(0.85f, a + 0.15f);  // a darker dried edge
      },
      [&](int, int, const cv::Vec3f& under) { return stain * (0.6f + 0.6f * luminance(under)); });
  return out;
}

void random_walk(std::vector<cv::Point2f>& pts, cv::Point2f start, double heading, int steps, float step_len,
                 Rng& rng) {
  cv::Point2f p = start;
  pts.push_back(p);
  for (int i = 0; i < steps; ++i) {
    heading += rng.uniform(-0.45, 0.45);
    const float len = step_len * static_cast<float>(rng.uniform(0.6, 1.4));
    p +=
        cv::Point2f(len * static_cast<float>(std::cos(heading)), len * static_cast<float>(std::sin(heading)));
    pts.push_back(p);
  }
}

PaintedDefect crack(const Scene& scene, Rng& rng) {
  const int size = scene.image.cols;
  const float unit = size / 256.f;
  const cv::Point2f c = pick_centre(scene, rng);
  const float step = std::max(2.f, static_cast<float>(rng.uniform(0.03, 0.045)) * size);
  const double heading = rng.uniform(0.0, 2.0 * CV_PI);
  std::vector<cv::Point2f> arm1, arm2;
  random_walk(arm1, c, heading, rng.uniform_int(4, 6), step, rng);
  random_walk(arm2, c, heading + CV_PI, rng.uniform_int(3, 5), step, rng);
  std::vector<cv::Point> main_line;
  for (auto it = arm2.rbegin(); it != arm2.rend(); ++it)
    main_line.emplace_back(cvRound(it->x), cvRound(it->y));
  for (size_t i = 1; i < arm1.size(); ++i) main_line.emplace_back(cvRound(arm1[i].x), cvRound(arm1[i].y));
  PaintedDefect out{scene.image.clone(), empty_mask(scene)};
  cv::polylines(out.mask, main_line, false, cv::Scalar(255), std::max(1, cvRound(1.6f * unit)), cv::LINE_8);
  const int branches = rng.uniform_int(1, 2);
  for (int b = 0; b < branches; ++b) {
    const cv::Point& from =
        main_line[static_cast<size_t>(rng.uniform_int(1, static_cast<int>(main_line.size()) - 2))];
    std::vector<cv::Point2f> arm;
    random_walk(arm, cv::Point2f(from), heading + (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.6, 1.2),
                rng.uniform_int(2, 4), step * 0.8f, rng);
    std::vector<cv::Point> line;
    for (const auto& p : arm) line.emplace_back(cvRound(p.x), cvRound(p.y));
    cv::polylines(out.mask, line, false, cv::Scalar(255), 1, cv::LINE_8);
  }
  out.mask &= scene.foreground;
  const bool dark = luminance(mean_colour(scene.image, out.mask)) > 0.3f;
  blend(
      out.image, out.mask, [](int, int) { return 1.f; },
      [&](int, int, const cv::Vec3f& under) {
        return dark ? under * 0.22f : cv::Vec3f(0.78f, 0.80f, 0.76f);
      });
  return out;
}

}  // namespace

PaintedDefect paint_defect(const Scene& scene, DefectKind kind, Rng& rng) {
  // A defect clipped to the part could end up (nearly) empty; draw again then.
  for (int attempt = 0; attempt < 20; ++attempt) {
    PaintedDefect out;
    switch (kind) {
      case DefectKind::scratch:
        out = scratch(scene, rng);
        break;
      case DefectKind::spot:
        out = spot(scene, rng);
        break;
      case DefectKind::hole:
        out = hole(scene, rng);
        break;
      case DefectKind::colour_stain:
        out = colour_stain(scene, rng);
        break;
      case DefectKind::crack:
        out = crack(scene, rng);
        break;
      default:
        throw std::invalid_argument("paint_defect cannot draw '" + to_string(kind) + "'");
    }
    if (cv::countNonZero(out.mask) >= 4) return out;
  }
  throw std::runtime_error("could not place a '" + to_string(kind) + "' defect on the part");
}

}  // namespace decodiff::data
