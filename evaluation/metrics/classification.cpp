#include "metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "metrics/binary_curve.h"
#include "metrics/float_key.h"

namespace decodiff::metrics {
namespace {

void check_scores(const std::vector<float>& scores, const char* what) {
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!detail::is_finite_score(scores[i])) {
      throw std::invalid_argument(std::string(what) + ": score " + std::to_string(i) + " is not finite");
    }
  }
}

detail::BinaryCurve walk(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                         const char* what) {
  if (scores.size() != labels.size()) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(scores.size()) + " scores but " +
                                std::to_string(labels.size()) + " labels");
  }
  check_scores(scores, what);
  uint64_t positives = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 1) {
      throw std::invalid_argument(std::string(what) + ": label " + std::to_string(i) + " is " +
                                  std::to_string(labels[i]) + ", expected 0 or 1");
    }
    positives += labels[i];
  }
  std::vector<uint32_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return scores[a] > scores[b]; });

  detail::BinaryCurve curve(positives, scores.size() - positives);
  size_t i = 0;
  while (i < order.size()) {
    const float value = scores[order[i]];
    uint64_t dtp = 0, dfp = 0;
    for (; i < order.size() && scores[order[i]] == value; ++i) {
      (labels[order[i]] ? dtp : dfp) += 1;
    }
    curve.add(value, dtp, dfp);
  }
  return curve;
}

}  // namespace

double auroc(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  return walk(scores, labels, "auroc").auroc();
}

double average_precision(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  return walk(scores, labels, "average_precision").average_precision();
}

F1Max f1_max(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  return walk(scores, labels, "f1_max").f1_max();
}

double f1_optimal_threshold(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  return walk(scores, labels, "f1_optimal_threshold").f1_max().threshold;
}

double percentile_threshold(const std::vector<float>& normal_scores, double q) {
  if (normal_scores.empty()) throw std::invalid_argument("percentile_threshold: no scores");
  if (!(q >= 0.0 && q <= 100.0)) {
    throw std::invalid_argument("percentile_threshold: q=" + std::to_string(q) + " is outside [0, 100]");
  }
  check_scores(normal_scores, "percentile_threshold");
  std::vector<float> sorted(normal_scores);
  // numpy: virtual index (n-1)*q/100, then _lerp(a, b, t), which evaluates
  // from the upper neighbour when t >= 0.5.
  const double index = static_cast<double>(sorted.size() - 1) * (q / 100.0);
  const double below = std::floor(index);
  const double t = index - below;
  const size_t lo = static_cast<size_t>(below);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  std::nth_element(sorted.begin(), sorted.begin() + lo, sorted.end());
  const double a = sorted[lo];
  const double b = hi == lo ? a : *std::min_element(sorted.begin() + lo + 1, sorted.end());
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

}  // namespace decodiff::metrics
