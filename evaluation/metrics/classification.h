// Image-level (and generic binary) ranking metrics, computed exactly as
// scikit-learn 1.x computes them, plus the threshold helpers used for
// calibration.
//
// Conventions shared by every function here:
//  - labels are 0 (normal) or 1 (anomalous); any other value, a size mismatch
//    or a non-finite score throws std::invalid_argument.
//  - a sample is predicted anomalous when score >= threshold (scikit-learn's
//    convention for the thresholds of roc_curve / precision_recall_curve).
//  - every distinct score is a threshold; tied scores move together.
#pragma once

#include <cstdint>
#include <vector>

namespace decodiff::metrics {

// Area under the ROC curve: the trapezoid over every distinct threshold, which
// counts a tied (anomalous, normal) pair as one half (= roc_auc_score).
// Degenerate: NaN when only one class is present or the input is empty
// (scikit-learn warns and returns NaN too). All-equal scores give 0.5.
double auroc(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

// Step-wise average precision, sum over thresholds of (R_n - R_{n-1}) * P_n
// (= average_precision_score, no interpolation).
// Degenerate: 0 when there is no anomalous sample (as scikit-learn >= 1.3),
// 1 when every sample is anomalous, NaN for empty input.
double average_precision(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

struct F1Max {
  // max over the precision-recall curve's points of 2PR/(P+R) (0 where P+R=0),
  // the value anomalib's F1Max returns (it adds 1e-10 to the denominator).
  double f1 = 0.0;
  // The threshold of that point (anomalous iff score >= threshold); among
  // thresholds with the same F1 the lowest, as argmax over scikit-learn's
  // increasing thresholds picks it. NaN when there is no anomalous sample.
  double threshold = 0.0;
};

// Degenerate: {0, NaN} when there is no anomalous sample; {NaN, NaN} for empty input.
F1Max f1_max(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

// f1_max(scores, labels).threshold: the calibration threshold that maximises F1.
double f1_optimal_threshold(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

// The q-th percentile (q in [0, 100]) of the scores with linear interpolation
// between closest ranks, bit-for-bit numpy.percentile's default method
// (computed in double). Throws std::invalid_argument on empty input, q outside
// [0, 100] or a non-finite score.
double percentile_threshold(const std::vector<float>& normal_scores, double q);

}  // namespace decodiff::metrics
