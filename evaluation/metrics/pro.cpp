#include "metrics/pro.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "metrics/pixel_curves.h"

namespace decodiff::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

PixelCurveAccumulator accumulate(const float* maps, const uint8_t* masks, size_t num_images, int width,
                                 int height, const char* what) {
  if (maps == nullptr || masks == nullptr) throw std::invalid_argument(std::string(what) + ": null input");
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument(std::string(what) + ": size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is not positive");
  }
  PixelCurveAccumulator accumulator;
  const size_t stride = static_cast<size_t>(width) * static_cast<size_t>(height);
  for (size_t k = 0; k < num_images; ++k)
    accumulator.add(maps + k * stride, masks + k * stride, width, height);
  return accumulator;
}

}  // namespace

double aupro(const float* maps, const uint8_t* masks, size_t num_images, int width, int height,
             double fpr_limit) {
  PixelCurveAccumulator accumulator = accumulate(maps, masks, num_images, width, height, "aupro");
  return accumulator.compute(fpr_limit).aupro;
}

double aupro_reference_approx(const float* maps, const uint8_t* masks, size_t num_images, int width,
                              int height, int num_thresholds) {
  PixelCurveAccumulator accumulator =
      accumulate(maps, masks, num_images, width, height, "aupro_reference_approx");
  return accumulator.compute(0.3, num_thresholds).aupro_reference_approx;
}

namespace detail {

ProCurve::ProCurve(uint64_t normal_pixels, uint64_t regions, double fpr_limit)
    : normal_pixels_(normal_pixels), regions_(regions), fpr_limit_(fpr_limit) {
  if (!(fpr_limit > 0.0 && fpr_limit <= 1.0)) {
    throw std::invalid_argument("aupro: fpr_limit=" + std::to_string(fpr_limit) + " is outside (0, 1]");
  }
}

void ProCurve::add(uint64_t dfp, long double dpro_weight) {
  fp_ += dfp;
  pro_weight_ += dpro_weight;
  if (done_ || normal_pixels_ == 0 || regions_ == 0) return;
  const double fpr = std::min(1.0, static_cast<double>(fp_) / static_cast<double>(normal_pixels_));
  const double pro = std::min(1.0, static_cast<double>(pro_weight_ / static_cast<long double>(regions_)));
  point(fpr, pro);
}

void ProCurve::point(double fpr, double pro) {
  if (fpr <= fpr_limit_) {
    area_ += 0.5L * (static_cast<long double>(pro) + last_pro_) * (static_cast<long double>(fpr) - last_fpr_);
  } else {
    const double pro_at_limit = last_pro_ + (pro - last_pro_) * (fpr_limit_ - last_fpr_) / (fpr - last_fpr_);
    area_ += 0.5L * (static_cast<long double>(pro_at_limit) + last_pro_) *
             (static_cast<long double>(fpr_limit_) - last_fpr_);
    done_ = true;
  }
  last_fpr_ = fpr;
  last_pro_ = pro;
}

double ProCurve::aupro() const {
  if (normal_pixels_ == 0 || regions_ == 0) return kNaN;
  long double area = area_;
  if (!done_ && last_fpr_ < fpr_limit_) {
    // The official curve ends with the point (1, 1).
    const double pro_at_limit = last_pro_ + (1.0 - last_pro_) * (fpr_limit_ - last_fpr_) / (1.0 - last_fpr_);
    area += 0.5L * (static_cast<long double>(pro_at_limit) + last_pro_) *
            (static_cast<long double>(fpr_limit_) - last_fpr_);
  }
  return static_cast<double>(area / fpr_limit_);
}

std::vector<double> reference_pro_thresholds(double lo, double hi, int num_thresholds) {
  if (num_thresholds < 1) {
    throw std::invalid_argument("aupro_reference_approx: num_thresholds=" + std::to_string(num_thresholds) +
                                " must be positive");
  }
  std::vector<double> thresholds;
  const double delta = (hi - lo) / num_thresholds;
  if (!(delta > 0.0)) return thresholds;
  const double length = std::ceil((hi - lo) / delta);
  const size_t n = static_cast<size_t>(length);
  thresholds.reserve(n);
  thresholds.push_back(lo);
  if (n > 1) thresholds.push_back(lo + delta);
  const double step = thresholds.size() > 1 ? thresholds[1] - thresholds[0] : 0.0;
  for (size_t i = 2; i < n; ++i) thresholds.push_back(lo + static_cast<double>(i) * step);
  return thresholds;
}

double reference_pro_area(const std::vector<uint64_t>& fp, const std::vector<long double>& pro_weight,
                          uint64_t normal_pixels, uint64_t regions) {
  if (normal_pixels == 0 || regions == 0) return kNaN;
  std::vector<double> fprs, pros;
  for (size_t k = 0; k < fp.size(); ++k) {
    const double fpr = static_cast<double>(fp[k]) / static_cast<double>(normal_pixels);
    if (!(fpr < 0.3)) continue;
    fprs.push_back(fpr);
    pros.push_back(static_cast<double>(pro_weight[k] / static_cast<long double>(regions)));
  }
  if (fprs.size() < 2) return kNaN;
  const double max_fpr = *std::max_element(fprs.begin(), fprs.end());
  if (!(max_fpr > 0.0)) return kNaN;
  // FPR decreases as the threshold grows; sklearn.metrics.auc then integrates
  // with direction -1, i.e. the positive area.
  double area = 0.0;
  for (size_t k = 0; k + 1 < fprs.size(); ++k) {
    area += 0.5 * (pros[k] + pros[k + 1]) * (fprs[k] / max_fpr - fprs[k + 1] / max_fpr);
  }
  return area;
}

}  // namespace detail
}  // namespace decodiff::metrics
