#include "scene_utils.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace decodiff::data {

cv::Mat value_noise(Rng& rng, cv::Size size, int cells_x, int cells_y) {
  cells_x = std::max(cells_x, 1);
  cells_y = std::max(cells_y, 1);
  cv::Mat grid(cells_y + 3, cells_x + 3, CV_32FC1);
  for (int y = 0; y < grid.rows; ++y)
    for (int x = 0; x < grid.cols; ++x) grid.at<float>(y, x) = static_cast<float>(rng.uniform(-1.0, 1.0));
  // Interpolate the inner cells only, so the border of the grid does not pin the field.
  cv::Mat big;
  cv::resize(grid, big,
             cv::Size(size.width * (cells_x + 3) / (cells_x + 1) + 1,
                      size.height * (cells_y + 3) / (cells_y + 1) + 1),
             0, 0, cv::INTER_CUBIC);
  int ox = (big.cols - size.width) / 2, oy = (big.rows - size.height) / 2;
  return big(cv::Rect(ox, oy, size.width, size.height)).clone();
}

cv::Mat surface(Rng& rng, cv::Size size, cv::Vec3f colour, float low_amp, float fine_amp) {
  cv::Mat low = value_noise(rng, size, 4, 4);
  cv::Mat fine = value_noise(rng, size, std::max(4, size.width / 3), std::max(4, size.height / 3));
  cv::Mat factor = 1.f + low_amp * low + fine_amp * fine;
  cv::Mat out(size, CV_32FC3);
  for (int y = 0; y < size.height; ++y) {
    const float* f = factor.ptr<float>(y);
    cv::Vec3f* o = out.ptr<cv::Vec3f>(y);
    for (int x = 0; x < size.width; ++x) o[x] = colour * f[x];
  }
  return out;
}

cv::Mat downsample(const cv::Mat& big, int size) {
  if (big.cols == size && big.rows == size) return big.clone();
  cv::Mat out;
  cv::resize(big, out, cv::Size(size, size), 0, 0, cv::INTER_AREA);
  return out;
}

Canvas::Canvas(int side)
    : premul(side, side, CV_32FC3, cv::Scalar::all(0)), alpha(side, side, CV_32FC1, cv::Scalar(0)) {}

cv::Mat Canvas::polygon_mask(const std::vector<cv::Point2f>& polygon, cv::Rect* roi) const {
  constexpr int kShift = 4;
  std::vector<cv::Point> pts;
  pts.reserve(polygon.size());
  for (const cv::Point2f& p : polygon)
    pts.emplace_back(cvRound(p.x * (1 << kShift)), cvRound(p.y * (1 << kShift)));
  cv::Rect box = cv::boundingRect(polygon) + cv::Size(2, 2) - cv::Point(1, 1);
  box &= cv::Rect(0, 0, side(), side());
  *roi = box;
  cv::Mat mask(side(), side(), CV_8UC1, cv::Scalar(0));
  if (box.area() > 0)
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(255), cv::LINE_8, kShift);
  return mask;
}

void Canvas::paint(const cv::Mat& mask, cv::Rect roi, const Shader* shader, cv::Vec3f colour, bool erase) {
  for (int y = roi.y; y < roi.y + roi.height; ++y) {
    const uchar* m = mask.ptr<uchar>(y);
    cv::Vec3f* p = premul.ptr<cv::Vec3f>(y);
    float* a = alpha.ptr<float>(y);
    for (int x = roi.x; x < roi.x + roi.width; ++x) {
      if (!m[x]) continue;
      if (erase) {
        p[x] = cv::Vec3f(0, 0, 0);
        a[x] = 0.f;
      } else {
        p[x] = shader ? (*shader)(x + 0.5f, y + 0.5f) : colour;
        a[x] = 1.f;
      }
    }
  }
}

void Canvas::fill(const std::vector<cv::Point2f>& polygon, cv::Vec3f colour) {
  cv::Rect roi;
  cv::Mat mask = polygon_mask(polygon, &roi);
  paint(mask, roi, nullptr, colour, false);
}

void Canvas::fill(const std::vector<cv::Point2f>& polygon, const Shader& shader) {
  cv::Rect roi;
  cv::Mat mask = polygon_mask(polygon, &roi);
  paint(mask, roi, &shader, {}, false);
}

void Canvas::fill_mask(const cv::Mat& mask, const Shader& shader) {
  paint(mask, cv::Rect(0, 0, side(), side()), &shader, {}, false);
}

void Canvas::erase(const std::vector<cv::Point2f>& polygon) {
  cv::Rect roi;
  cv::Mat mask = polygon_mask(polygon, &roi);
  paint(mask, roi, nullptr, {}, true);
}

std::vector<cv::Point2f> circle_polygon(cv::Point2f centre, float radius, int segments) {
  std::vector<cv::Point2f> pts;
  for (int i = 0; i < segments; ++i) {
    double a = 2.0 * CV_PI * i / segments;
    pts.emplace_back(centre.x + radius * static_cast<float>(std::cos(a)),
                     centre.y + radius * static_cast<float>(std::sin(a)));
  }
  return pts;
}

std::vector<cv::Point2f> rect_polygon(cv::Point2f c, float w, float h) {
  return {{c.x - w / 2, c.y - h / 2},
          {c.x + w / 2, c.y - h / 2},
          {c.x + w / 2, c.y + h / 2},
          {c.x - w / 2, c.y + h / 2}};
}

std::vector<cv::Point2f> rounded_rect_polygon(cv::Point2f c, float w, float h, float r) {
  std::vector<cv::Point2f> pts;
  const cv::Point2f corners[4] = {{c.x + w / 2 - r, c.y - h / 2 + r},
                                  {c.x + w / 2 - r, c.y + h / 2 - r},
                                  {c.x - w / 2 + r, c.y + h / 2 - r},
                                  {c.x - w / 2 + r, c.y - h / 2 + r}};
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i <= 8; ++i) {
      double a = (k - 1) * CV_PI / 2 + (CV_PI / 2) * i / 8;
      pts.emplace_back(corners[k].x + r * static_cast<float>(std::cos(a)),
                       corners[k].y + r * static_cast<float>(std::sin(a)));
    }
  }
  return pts;
}

void place_object(Scene& scene, const Canvas& canvas, double angle_deg, cv::Point2d centre,
                  cv::Point2d shadow_offset, float shadow_strength) {
  const int size = scene.image.cols;
  const int side = canvas.side();
  const double ss = static_cast<double>(side) / size;
  const cv::Point2f canvas_centre(side / 2.f, side / 2.f);
  auto warp = [&](const cv::Mat& src, cv::Point2d offset) {
    cv::Mat m = cv::getRotationMatrix2D(canvas_centre, angle_deg, 1.0);
    m.at<double>(0, 2) += (centre.x + offset.x) * ss - canvas_centre.x;
    m.at<double>(1, 2) += (centre.y + offset.y) * ss - canvas_centre.y;
    cv::Mat big;
    cv::warpAffine(src, big, m, src.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    return downsample(big, size);
  };
  cv::Mat premul = warp(canvas.premul, {0, 0});
  cv::Mat alpha = warp(canvas.alpha, {0, 0});
  cv::Mat shadow = warp(canvas.alpha, shadow_offset);
  const double sigma = std::max(1.0, 0.02 * size);
  cv::GaussianBlur(shadow, shadow, cv::Size(0, 0), sigma);

  cv::Mat background = scene.image;
  scene.backdrop.create(size, size, CV_32FC3);
  scene.foreground.create(size, size, CV_8UC1);
  cv::Mat out(size, size, CV_32FC3);
  for (int y = 0; y < size; ++y) {
    const cv::Vec3f* bg = background.ptr<cv::Vec3f>(y);
    const cv::Vec3f* pm = premul.ptr<cv::Vec3f>(y);
    const float* a = alpha.ptr<float>(y);
    const float* sh = shadow.ptr<float>(y);
    cv::Vec3f* bd = scene.backdrop.ptr<cv::Vec3f>(y);
    cv::Vec3f* o = out.ptr<cv::Vec3f>(y);
    uchar* fg = scene.foreground.ptr<uchar>(y);
    for (int x = 0; x < size; ++x) {
      bd[x] = bg[x] * (1.f - shadow_strength * std::min(1.f, sh[x]));
      float av = std::min(1.f, std::max(0.f, a[x]));
      o[x] = bd[x] * (1.f - av) + pm[x];
      fg[x] = av > 0.5f ? 255 : 0;
    }
  }
  scene.image = out;
}

cv::Mat finish_image(const cv::Mat& scene, uint64_t seed) {
  Rng rng(mix_seed(seed, "finish"));
  const int w = scene.cols, h = scene.rows;
  const float gain = static_cast<float>(rng.uniform(0.93, 1.07));
  const float grad = static_cast<float>(rng.uniform(0.0, 0.08));
  const double dir = rng.uniform(0.0, 2.0 * CV_PI);
  const float gx = grad * static_cast<float>(std::cos(dir)), gy = grad * static_cast<float>(std::sin(dir));
  cv::Vec3f tint;
  for (int c = 0; c < 3; ++c) tint[c] = 1.f + static_cast<float>(rng.uniform(-0.015, 0.015));
  const float vignette = 0.10f, noise_sigma = 0.010f;
  cv::Mat out(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    const cv::Vec3f* s = scene.ptr<cv::Vec3f>(y);
    cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
    const float ny = (y + 0.5f) / h - 0.5f;
    for (int x = 0; x < w; ++x) {
      const float nx = (x + 0.5f) / w - 0.5f;
      const float light =
          gain * (1.f + gx * nx * 2.f + gy * ny * 2.f) * (1.f - vignette * 2.f * (nx * nx + ny * ny));
      for (int c = 0; c < 3; ++c) {
        float v = s[x][c] * light * tint[c] + noise_sigma * static_cast<float>(rng.normal());
        o[x][c] = cv::saturate_cast<uchar>(v * 255.f);
      }
    }
  }
  return out;
}

}  // namespace decodiff::data
