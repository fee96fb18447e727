// Curve points for the plots (ROC, precision-recall, per-region overlap). The
// numbers in the tables and the report come from evaluation/metrics (exact); these
// points only draw the pictures: exact for image scores, a 4096-bin histogram
// of the map values for pixels (bounded memory, enough for a 1000 px plot).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace decodiff::evaluation {

struct CurvePoints {
  std::vector<double> x;
  std::vector<double> y;
};

// ROC (x = FPR, y = TPR) from (0,0) to (1,1), one point per distinct score.
CurvePoints roc_points(const std::vector<float>& scores, const std::vector<uint8_t>& labels);
// Precision-recall (x = recall, y = precision), one point per distinct score,
// from the highest threshold down (recall increasing); empty without anomalies.
CurvePoints pr_points(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

// Histogram of map values in [lo, hi] (values outside are clamped into the end bins).
class PixelCurveSketch {
 public:
  explicit PixelCurveSketch(int bins = 4096, double lo = 0.0, double hi = 1.0);
  // Row-major width*height map and mask (nonzero = anomalous; null = normal image).
  void add(const float* map, const uint8_t* mask, int width, int height);

  CurvePoints roc() const;
  CurvePoints pr() const;
  // PRO over FPR, stopping at the first point beyond fpr_limit (x = FPR, not normalised).
  CurvePoints pro(double fpr_limit = 0.3) const;
  uint64_t anomalous_pixels() const { return positives_; }

 private:
  int bin(float v) const;
  int bins_;
  double lo_, hi_;
  std::vector<uint64_t> normal_, anomalous_;
  std::vector<double> region_weight_;  // sum over anomalous pixels of 1/|region|, per bin
  uint64_t negatives_ = 0, positives_ = 0, regions_ = 0;
};

}  // namespace decodiff::evaluation
