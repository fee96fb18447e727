// Internal to decodiff-data: building blocks the category renderers share.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <opencv2/core.hpp>

#include "rng.h"
#include "scene.h"

namespace decodiff::data {

inline float smoothstep(float e0, float e1, float x) {
  float t = (x - e0) / (e1 - e0);
  t = t < 0.f ? 0.f : (t > 1.f ? 1.f : t);
  return t * t * (3.f - 2.f * t);
}

// Smooth random field (CV_32FC1, roughly in [-1, 1]) with about cells_x x cells_y
// independent values across the image, bicubically interpolated.
cv::Mat value_noise(Rng& rng, cv::Size size, int cells_x, int cells_y);

// A plain or noisy surface (CV_32FC3): colour * (1 + low_amp * low-frequency
// noise + fine_amp * fine grain).
cv::Mat surface(Rng& rng, cv::Size size, cv::Vec3f colour, float low_amp, float fine_amp);

// Area-averages a supersampled CV_32F image down to size x size.
cv::Mat downsample(const cv::Mat& big, int size);

// A layer of premultiplied BGR + alpha (CV_32F) at supersampled resolution in
// which objects are drawn in their own axis-aligned frame; shapes cover whole
// pixels, the anti-aliasing comes from downsampling.
class Canvas {
 public:
  using Shader = std::function<cv::Vec3f(float x, float y)>;

  explicit Canvas(int side);
  int side() const { return premul.cols; }

  void fill(const std::vector<cv::Point2f>& polygon, cv::Vec3f colour);
  void fill(const std::vector<cv::Point2f>& polygon, const Shader& shader);
  // Paints where mask (CV_8UC1, canvas size) is non-zero.
  void fill_mask(const cv::Mat& mask, const Shader& shader);
  void erase(const std::vector<cv::Point2f>& polygon);

  cv::Mat premul;  // CV_32FC3
  cv::Mat alpha;   // CV_32FC1

 private:
  cv::Mat polygon_mask(const std::vector<cv::Point2f>& polygon, cv::Rect* roi) const;
  void paint(const cv::Mat& mask, cv::Rect roi, const Shader* shader, cv::Vec3f colour, bool erase);
};

std::vector<cv::Point2f> circle_polygon(cv::Point2f centre, float radius, int segments = 96);
std::vector<cv::Point2f> rect_polygon(cv::Point2f centre, float w, float h);
std::vector<cv::Point2f> rounded_rect_polygon(cv::Point2f centre, float w, float h, float radius);

// Places a canvas (object centre at the canvas centre) onto scene.image, which
// must already hold the background: rotated by angle_deg (counter-clockwise as
// displayed), its centre at `centre` (output pixels), with a soft drop shadow.
// Sets scene.backdrop (the shadowed background) and scene.foreground.
void place_object(Scene& scene, const Canvas& canvas, double angle_deg, cv::Point2d centre,
                  cv::Point2d shadow_offset, float shadow_strength);

// Lighting (gain, gradient, vignette, tint) and sensor noise, then 8-bit BGR.
// Depends only on the seed, so two scenes that differ in some pixels give
// images that differ in exactly those pixels.
cv::Mat finish_image(const cv::Mat& scene, uint64_t seed);

}  // namespace decodiff::data
