#include "metrics/binary_curve.h"

#include <limits>

namespace decodiff::metrics::detail {

BinaryCurve::BinaryCurve(uint64_t positives, uint64_t negatives)
    : positives_(positives), negatives_(negatives) {}

void BinaryCurve::add(double threshold, uint64_t dtp, uint64_t dfp) {
  roc_area2_ += static_cast<unsigned __int128>(dfp) * (2 * static_cast<unsigned __int128>(tp_) + dtp);
  tp_ += dtp;
  fp_ += dfp;
  if (tp_ == 0) return;  // precision 0 and recall 0: F1 is 0, AP gains nothing
  // Same operations, in the same order, as precision_recall_curve so that F1
  // ties are decided exactly as scikit-learn decides them.
  const double precision = static_cast<double>(tp_) / (static_cast<double>(tp_) + static_cast<double>(fp_));
  const double recall = static_cast<double>(tp_) / static_cast<double>(positives_);
  ap_sum_ += static_cast<long double>(dtp) * precision;
  const double f1 = 2.0 * precision * recall / (precision + recall);
  if (!have_best_ || f1 >= best_.f1) {  // >=: the lowest threshold wins a tie
    best_ = {f1, threshold};
    have_best_ = true;
  }
}

double BinaryCurve::auroc() const {
  if (positives_ == 0 || negatives_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(static_cast<long double>(roc_area2_) /
                             (2.0L * static_cast<long double>(positives_) * negatives_));
}

double BinaryCurve::average_precision() const {
  if (positives_ == 0) return negatives_ == 0 ? std::numeric_limits<double>::quiet_NaN() : 0.0;
  return static_cast<double>(ap_sum_ / static_cast<long double>(positives_));
}

F1Max BinaryCurve::f1_max() const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (positives_ == 0) return negatives_ == 0 ? F1Max{nan, nan} : F1Max{0.0, nan};
  return best_;
}

}  // namespace decodiff::metrics::detail
