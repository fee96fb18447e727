// The walk shared by the image-level and pixel-level ranking metrics: the
// caller feeds the distinct thresholds in strictly decreasing order with how
// many anomalous (dtp) and normal (dfp) samples score exactly that value, and
// the curve integrates ROC / PR / F1 on the fly in O(1) memory.
#pragma once

#include <cstdint>

#include "metrics/classification.h"

namespace decodiff::metrics::detail {

class BinaryCurve {
 public:
  BinaryCurve(uint64_t positives, uint64_t negatives);

  void add(double threshold, uint64_t dtp, uint64_t dfp);

  double auroc() const;
  double average_precision() const;
  F1Max f1_max() const;

 private:
  uint64_t positives_;
  uint64_t negatives_;
  uint64_t tp_ = 0;
  uint64_t fp_ = 0;
  // Twice the ROC area in units of 1/(P*N): exact in integers.
  unsigned __int128 roc_area2_ = 0;
  long double ap_sum_ = 0.0L;  // sum of dtp * precision
  F1Max best_{0.0, 0.0};
  bool have_best_ = false;
};

}  // namespace decodiff::metrics::detail
