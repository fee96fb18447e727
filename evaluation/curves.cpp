#include "curves.h"

#include <algorithm>
#include <numeric>

#include "metrics/connected_components.h"

namespace decodiff::evaluation {
namespace {

// Walks distinct scores from the highest down: f(tp, fp) after each tie group.
template <typename F>
void walk(const std::vector<float>& scores, const std::vector<uint8_t>& labels, F f) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  uint64_t tp = 0, fp = 0;
  for (size_t i = 0; i < order.size();) {
    const float v = scores[order[i]];
    for (; i < order.size() && scores[order[i]] == v; ++i) (labels[order[i]] ? tp : fp) += 1;
    f(tp, fp);
  }
}

}  // namespace

CurvePoints roc_points(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  CurvePoints c;
  const uint64_t p = std::count_if(labels.begin(), labels.end(), [](uint8_t l) { return l != 0; });
  const uint64_t n = labels.size() - p;
  if (p == 0 || n == 0) return c;
  c.x.push_back(0.0);
  c.y.push_back(0.0);
  walk(scores, labels, [&](uint64_t tp, uint64_t fp) {
    c.x.push_back(static_cast<double>(fp) / n);
    c.y.push_back(static_cast<double>(tp) / p);
  });
  return c;
}

CurvePoints pr_points(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  CurvePoints c;
  const uint64_t p = std::count_if(labels.begin(), labels.end(), [](uint8_t l) { return l != 0; });
  if (p == 0) return c;
  walk(scores, labels, [&](uint64_t tp, uint64_t fp) {
    if (tp == 0) return;
    if (c.x.empty()) {  // start the step curve at recall 0 with the first precision
      c.x.push_back(0.0);
      c.y.push_back(static_cast<double>(tp) / (tp + fp));
    }
    c.x.push_back(static_cast<double>(tp) / p);
    c.y.push_back(static_cast<double>(tp) / (tp + fp));
  });
  return c;
}

PixelCurveSketch::PixelCurveSketch(int bins, double lo, double hi)
    : bins_(bins), lo_(lo), hi_(hi), normal_(bins, 0), anomalous_(bins, 0), region_weight_(bins, 0.0) {}

int PixelCurveSketch::bin(float v) const {
  const double t = (static_cast<double>(v) - lo_) / (hi_ - lo_) * bins_;
  return std::clamp(static_cast<int>(t), 0, bins_ - 1);
}

void PixelCurveSketch::add(const float* map, const uint8_t* mask, int width, int height) {
  const size_t n = static_cast<size_t>(width) * height;
  if (!mask) {
    for (size_t i = 0; i < n; ++i) ++normal_[bin(map[i])];
    negatives_ += n;
    return;
  }
  const metrics::Components comp = metrics::label_components_8(mask, width, height);
  for (size_t i = 0; i < n; ++i) {
    const int b = bin(map[i]);
    if (comp.labels[i] == 0) {
      ++normal_[b];
      ++negatives_;
    } else {
      ++anomalous_[b];
      ++positives_;
      region_weight_[b] += 1.0 / comp.sizes[comp.labels[i] - 1];
    }
  }
  regions_ += comp.count();
}

CurvePoints PixelCurveSketch::roc() const {
  CurvePoints c;
  if (!positives_ || !negatives_) return c;
  c.x.push_back(0.0);
  c.y.push_back(0.0);
  uint64_t tp = 0, fp = 0;
  for (int b = bins_ - 1; b >= 0; --b) {
    if (!normal_[b] && !anomalous_[b]) continue;
    tp += anomalous_[b];
    fp += normal_[b];
    c.x.push_back(static_cast<double>(fp) / negatives_);
    c.y.push_back(static_cast<double>(tp) / positives_);
  }
  return c;
}

CurvePoints PixelCurveSketch::pr() const {
  CurvePoints c;
  if (!positives_) return c;
  uint64_t tp = 0, fp = 0;
  for (int b = bins_ - 1; b >= 0; --b) {
    if (!normal_[b] && !anomalous_[b]) continue;
    tp += anomalous_[b];
    fp += normal_[b];
    if (!tp) continue;
    if (c.x.empty()) {
      c.x.push_back(0.0);
      c.y.push_back(static_cast<double>(tp) / (tp + fp));
    }
    c.x.push_back(static_cast<double>(tp) / positives_);
    c.y.push_back(static_cast<double>(tp) / (tp + fp));
  }
  return c;
}

CurvePoints PixelCurveSketch::pro(double fpr_limit) const {
  CurvePoints c;
  if (!regions_ || !negatives_) return c;
  c.x.push_back(0.0);
  c.y.push_back(0.0);
  uint64_t fp = 0;
  double weight = 0.0;
  for (int b = bins_ - 1; b >= 0; --b) {
    if (!normal_[b] && !anomalous_[b]) continue;
    fp += normal_[b];
    weight += region_weight_[b];
    c.x.push_back(static_cast<double>(fp) / negatives_);
    c.y.push_back(weight / regions_);
    if (c.x.back() > fpr_limit) break;
  }
  return c;
}

}  // namespace decodiff::evaluation
