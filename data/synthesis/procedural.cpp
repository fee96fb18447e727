#include "procedural.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "rng.h"
#include "scene_utils.h"

namespace decodiff::data {
namespace {

cv::Vec3f random_colour(Rng& rng) {
  // Mostly saturated or mid tones, sometimes near-grey, near-black or near-white.
  const double r = rng.uniform();
  if (r < 0.15) {
    const float g = static_cast<float>(rng.uniform());
    return {g, g, g};
  }
  return {static_cast<float>(rng.uniform()), static_cast<float>(rng.uniform()),
          static_cast<float>(rng.uniform())};
}

cv::Mat flat(cv::Size s, cv::Vec3f c) { return cv::Mat(s, CV_32FC3, cv::Scalar(c[0], c[1], c[2])); }

cv::Mat gradient(Rng& rng, cv::Size s) {
  const cv::Vec3f a = random_colour(rng), b = random_colour(rng);
  const double angle = rng.uniform(0.0, 2.0 * CV_PI);
  const float dx = static_cast<float>(std::cos(angle)), dy = static_cast<float>(std::sin(angle));
  cv::Mat out(s, CV_32FC3);
  const float half = 0.5f * std::max(s.width, s.height);
  for (int y = 0; y < s.height; ++y) {
    cv::Vec3f* o = out.ptr<cv::Vec3f>(y);
    for (int x = 0; x < s.width; ++x) {
      const float t = std::clamp(0.5f + ((x - half) * dx + (y - half) * dy) / (2.f * half), 0.f, 1.f);
      o[x] = a * (1.f - t) + b * t;
    }
  }
  return out;
}

// Three independent smooth fields, one per channel, around a random colour.
cv::Mat colour_field(Rng& rng, cv::Size s) {
  const int cells = rng.uniform_int(2, 12);
  const cv::Vec3f base = random_colour(rng);
  const float amp = static_cast<float>(rng.uniform(0.1, 0.5));
  cv::Mat ch[3];
  for (int c = 0; c < 3; ++c) ch[c] = base[c] + amp * value_noise(rng, s, cells, cells);
  cv::Mat out;
  cv::merge(ch, 3, out);
  return out;
}

// Stripes (one direction) or checks (two), sharp or sinusoidal.
cv::Mat periodic(Rng& rng, cv::Size s) {
  const cv::Vec3f a = random_colour(rng), b = random_colour(rng);
  const double period = rng.uniform(2.5, s.width / 2.0);
  const double angle = rng.uniform(0.0, CV_PI);
  const bool checks = rng.chance(0.4), sharp = rng.chance(0.5);
  const double ca = std::cos(angle), sa = std::sin(angle), phase = rng.uniform(0.0, 2.0 * CV_PI);
  cv::Mat out(s, CV_32FC3);
  for (int y = 0; y < s.height; ++y) {
    cv::Vec3f* o = out.ptr<cv::Vec3f>(y);
    for (int x = 0; x < s.width; ++x) {
      double v = std::sin(2.0 * CV_PI * (x * ca + y * sa) / period + phase);
      if (checks) v *= std::sin(2.0 * CV_PI * (-x * sa + y * ca) / period + phase);
      float t = static_cast<float>(0.5 + 0.5 * v);
      if (sharp) t = t > 0.5f ? 1.f : 0.f;
      o[x] = a * (1.f - t) + b * t;
    }
  }
  return out;
}

cv::Mat background(Rng& rng, cv::Size s) {
  const double r = rng.uniform();
  if (r < 0.15) return flat(s, random_colour(rng));
  if (r < 0.40) return gradient(rng, s);
  if (r < 0.75) return colour_field(rng, s);
  return periodic(rng, s);
}

// The fill of one shape: flat, a gradient, a colour field or a pattern.
cv::Mat shape_fill(Rng& rng, cv::Size s) {
  const double r = rng.uniform();
  if (r < 0.45) return flat(s, random_colour(rng));
  if (r < 0.65) return gradient(rng, s);
  if (r < 0.85) return colour_field(rng, s);
  return periodic(rng, s);
}

void draw_shape_mask(cv::Mat& mask, Rng& rng, int side) {
  const cv::Point c(rng.uniform_int(0, side - 1), rng.uniform_int(0, side - 1));
  const int max_r = std::max(2, static_cast<int>(side * rng.uniform(0.03, 0.35)));
  const double kind = rng.uniform();
  if (kind < 0.35) {
    const cv::Size axes(std::max(1, rng.uniform_int(1, max_r)), std::max(1, rng.uniform_int(1, max_r)));
    cv::ellipse(mask, c, axes, rng.uniform(0.0, 180.0), 0, 360, cv::Scalar(255), cv::FILLED, cv::LINE_8);
  } else if (kind < 0.65) {
    const cv::RotatedRect rr(cv::Point2f(c),
                             cv::Size2f(static_cast<float>(rng.uniform_int(2, 2 * max_r)),
                                        static_cast<float>(rng.uniform_int(2, 2 * max_r))),
                             static_cast<float>(rng.chance(0.5) ? 0.0 : rng.uniform(0.0, 90.0)));
    cv::Point2f p[4];
    rr.points(p);
    std::vector<cv::Point> poly(p, p + 4);
    for (auto& q : poly) q = cv::Point(cvRound(q.x), cvRound(q.y));
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
  } else {
    const int n = rng.uniform_int(3, 8);
    std::vector<cv::Point> poly;
    for (int i = 0; i < n; ++i) {
      const double a = 2.0 * CV_PI * (i + rng.uniform(-0.3, 0.3)) / n;
      const double rad = max_r * rng.uniform(0.3, 1.0);
      poly.emplace_back(c.x + cvRound(rad * std::cos(a)), c.y + cvRound(rad * std::sin(a)));
    }
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
  }
}

void composite(cv::Mat& canvas, const cv::Mat& fill, const cv::Mat& mask, float alpha) {
  for (int y = 0; y < canvas.rows; ++y) {
    const uchar* m = mask.ptr<uchar>(y);
    const cv::Vec3f* f = fill.ptr<cv::Vec3f>(y);
    cv::Vec3f* o = canvas.ptr<cv::Vec3f>(y);
    for (int x = 0; x < canvas.cols; ++x)
      if (m[x]) o[x] = o[x] * (1.f - alpha) + f[x] * alpha;
  }
}

void draw_stroke(cv::Mat& canvas, Rng& rng, int side) {
  std::vector<cv::Point> pts;
  cv::Point2d p(rng.uniform(0.0, side), rng.uniform(0.0, side));
  double heading = rng.uniform(0.0, 2.0 * CV_PI);
  const int n = rng.uniform_int(2, 10);
  const double step = side * rng.uniform(0.03, 0.15);
  const double wiggle = rng.uniform(0.0, 0.9);
  for (int i = 0; i < n; ++i) {
    pts.emplace_back(cvRound(p.x), cvRound(p.y));
    heading += rng.uniform(-wiggle, wiggle);
    p += cv::Point2d(step * std::cos(heading), step * std::sin(heading));
  }
  const cv::Vec3f c = random_colour(rng);
  const int thickness = std::max(1, static_cast<int>(side * rng.uniform(0.004, 0.04)));
  cv::polylines(canvas, pts, false, cv::Scalar(c[0], c[1], c[2]), thickness, cv::LINE_8);
}

}  // namespace

cv::Mat render_procedural(uint64_t seed, int size) {
  if (size < 8 || size > 4096)
    throw std::invalid_argument("procedural image size " + std::to_string(size) +
                                " is out of range [8, 4096]");
  Rng rng(mix_seed(seed, "procedural"));
  // Drawn at 2x and area-averaged (anti-aliased edges), or at 1x (hard edges).
  const int scale = rng.chance(0.7) ? 2 : 1;
  const int side = size * scale;
  const cv::Size s(side, side);
  cv::Mat canvas = background(rng, s);
  const int shapes = rng.uniform_int(0, 14);
  for (int i = 0; i < shapes; ++i) {
    cv::Mat mask(s, CV_8UC1, cv::Scalar(0));
    draw_shape_mask(mask, rng, side);
    const float alpha = rng.chance(0.7) ? 1.f : static_cast<float>(rng.uniform(0.3, 0.8));
    composite(canvas, shape_fill(rng, s), mask, alpha);
  }
  const int strokes = rng.chance(0.6) ? rng.uniform_int(1, 8) : 0;
  for (int i = 0; i < strokes; ++i) draw_stroke(canvas, rng, side);
  if (scale != 1) cv::resize(canvas, canvas, cv::Size(size, size), 0, 0, cv::INTER_AREA);
  if (rng.chance(0.2)) {
    const double sigma = rng.uniform(0.4, 1.5);
    cv::GaussianBlur(canvas, canvas, cv::Size(0, 0), sigma);
  }
  if (rng.chance(0.5)) {
    const float sigma = static_cast<float>(rng.uniform(0.005, 0.06));
    const bool grey = rng.chance(0.5);
    for (int y = 0; y < size; ++y) {
      cv::Vec3f* o = canvas.ptr<cv::Vec3f>(y);
      for (int x = 0; x < size; ++x) {
        const float g = static_cast<float>(rng.normal()) * sigma;
        for (int c = 0; c < 3; ++c) o[x][c] += grey ? g : static_cast<float>(rng.normal()) * sigma;
      }
    }
  }
  cv::Mat out;
  canvas.convertTo(out, CV_8UC3, 255.0);
  return out;
}

cv::Mat paste_between(const cv::Mat& base, const cv::Mat& source, uint64_t seed, cv::Mat* mask_out) {
  if (base.type() != CV_8UC3 || source.type() != CV_8UC3 || base.cols < 8 || base.rows < 8 ||
      source.cols < 8 || source.rows < 8)
    throw std::invalid_argument("paste_between needs two 8-bit BGR images of at least 8x8 pixels");
  Rng rng(mix_seed(seed, "paste"));
  cv::Mat src;
  cv::resize(source, src, base.size(), 0, 0, cv::INTER_AREA);
  cv::Mat mask(base.size(), CV_8UC1, cv::Scalar(0));
  const double target = rng.uniform(0.02, 0.35) * base.cols * base.rows;
  const double radius = std::sqrt(target / CV_PI);
  const cv::Point2d c(rng.uniform(0.0, base.cols), rng.uniform(0.0, base.rows));
  std::vector<cv::Point> poly;
  double amp[3], phase[3];
  for (int k = 0; k < 3; ++k)
    amp[k] = rng.uniform(0.0, 0.3) / (k + 1), phase[k] = rng.uniform(0.0, 2 * CV_PI);
  for (int i = 0; i < 40; ++i) {
    const double a = 2.0 * CV_PI * i / 40;
    double r = 1.0;
    for (int k = 0; k < 3; ++k) r += amp[k] * std::sin((k + 2) * a + phase[k]);
    r *= radius;
    poly.emplace_back(cvRound(c.x + r * std::cos(a)), cvRound(c.y + r * std::sin(a)));
  }
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
  // The pasted content comes from a random place of the source (a shift, wrapped around).
  const int sx = rng.uniform_int(0, src.cols - 1), sy = rng.uniform_int(0, src.rows - 1);
  cv::Mat shifted(src.size(), src.type());
  for (int y = 0; y < src.rows; ++y)
    for (int x = 0; x < src.cols; ++x)
      shifted.at<cv::Vec3b>(y, x) = src.at<cv::Vec3b>((y + sy) % src.rows, (x + sx) % src.cols);
  cv::Mat out = base.clone();
  shifted.copyTo(out, mask);
  if (mask_out) *mask_out = mask;
  return out;
}

cv::Mat jitter_colours(const cv::Mat& image, uint64_t seed) {
  if (image.type() != CV_8UC3) throw std::invalid_argument("jitter_colours needs an 8-bit BGR image");
  Rng rng(mix_seed(seed, "jitter"));
  const float brightness = static_cast<float>(rng.uniform(-0.15, 0.15));
  const float contrast = static_cast<float>(rng.uniform(0.7, 1.3));
  const float saturation = static_cast<float>(rng.uniform(0.5, 1.5));
  float gain[3];
  for (float& g : gain) g = static_cast<float>(rng.uniform(0.85, 1.15));
  int order[3] = {0, 1, 2};
  if (rng.chance(0.25)) {
    for (int i = 2; i > 0; --i) std::swap(order[i], order[rng.uniform_int(0, i)]);
  }
  cv::Mat out(image.size(), CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    const cv::Vec3b* in = image.ptr<cv::Vec3b>(y);
    cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < image.cols; ++x) {
      float v[3];
      for (int c = 0; c < 3; ++c) v[c] = in[x][order[c]] / 255.f;
      const float grey = 0.114f * v[0] + 0.587f * v[1] + 0.299f * v[2];
      for (int c = 0; c < 3; ++c) {
        float t = grey + saturation * (v[c] - grey);
        t = (t - 0.5f) * contrast + 0.5f + brightness;
        o[x][c] = cv::saturate_cast<uchar>(t * gain[c] * 255.f + 0.5f);
      }
    }
  }
  return out;
}

}  // namespace decodiff::data
