// AUPRO: the area under the per-region-overlap curve up to a false positive
// rate limit, divided by the limit.
//
// aupro() is the MVTec AD official evaluation's definition: every connected
// ground-truth region (8-connectivity) gets the overlap TP_region/|region| at
// each threshold, the PRO is the mean over all regions of all images, the FPR is
// over all normal pixels; the curve has a point at every distinct score (exact,
// no threshold grid), starts at (0,0), ends at (1,1), and is integrated with the
// trapezoid rule up to the limit, linearly interpolated at the limit.
//
// aupro_reference_approx() is what the DeCo-Diff reference evaluation's
// compute_pro returns: 200 thresholds numpy.arange(min, max, (max-min)/200),
// a pixel is positive when score > threshold, points with FPR < 0.3 are kept,
// their FPRs divided by the largest kept FPR and the trapezoid taken over
// that [0, 1] axis. Use it only to compare with published numbers.
//
// Both take num_images row-major width*height maps and masks laid out one after
// the other (mask nonzero = anomalous). NaN when there is no anomalous region
// or no normal pixel (and, for the approximation, when fewer than two grid
// points have FPR < 0.3 or every map pixel has the same value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace decodiff::metrics {

double aupro(const float* maps, const uint8_t* masks, size_t num_images, int width, int height,
             double fpr_limit = 0.3);

double aupro_reference_approx(const float* maps, const uint8_t* masks, size_t num_images, int width,
                              int height, int num_thresholds = 200);

namespace detail {

// The exact PRO curve, fed one distinct threshold at a time in decreasing
// order: dfp normal pixels and anomalous pixels whose 1/|region| sum to
// dpro_weight score exactly that threshold.
class ProCurve {
 public:
  ProCurve(uint64_t normal_pixels, uint64_t regions, double fpr_limit);
  void add(uint64_t dfp, long double dpro_weight);
  double aupro() const;

 private:
  void point(double fpr, double pro);

  uint64_t normal_pixels_;
  uint64_t regions_;
  double fpr_limit_;
  uint64_t fp_ = 0;
  long double pro_weight_ = 0.0L;
  double last_fpr_ = 0.0;
  double last_pro_ = 0.0;
  long double area_ = 0.0L;
  bool done_ = false;
};

// The reference compute_pro's threshold grid: numpy.arange(lo, hi, (hi-lo)/n)
// reproduced value for value (float64, as numpy fills the range).
std::vector<double> reference_pro_thresholds(double lo, double hi, int num_thresholds);

// The reference's area from its grid points, given in increasing threshold
// order: fp[k] normal and pro_weight[k] (sum of 1/|region|) anomalous pixels
// with score > thresholds[k].
double reference_pro_area(const std::vector<uint64_t>& fp, const std::vector<long double>& pro_weight,
                          uint64_t normal_pixels, uint64_t regions);

}  // namespace detail
}  // namespace decodiff::metrics
