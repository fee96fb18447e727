#include "class_metrics.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "metrics/classification.h"

namespace decodiff::evaluation {

const std::vector<TableColumn>& table_columns() {
  static const std::vector<TableColumn> columns = {
      {"I-AUROC", &MetricSet::image_auroc},  {"I-AP", &MetricSet::image_ap},
      {"I-F1max", &MetricSet::image_f1_max}, {"P-AUROC", &MetricSet::pixel_auroc},
      {"P-AP", &MetricSet::pixel_ap},        {"P-F1max", &MetricSet::pixel_f1_max},
      {"AUPRO", &MetricSet::aupro},
  };
  return columns;
}

void ClassMetricsAccumulator::add(float score, bool anomalous, const float* map, const uint8_t* mask,
                                  int width, int height) {
  if (!std::isfinite(score)) throw std::invalid_argument("image score is not finite");
  if (!mask) {
    zeros_.assign(static_cast<size_t>(width) * height, 0);
    mask = zeros_.data();
  }
  pixels_.add(map, mask, width, height);  // validates the map before anything is stored
  scores_.push_back(score);
  labels_.push_back(anomalous ? 1 : 0);
}

MetricSet ClassMetricsAccumulator::compute() {
  MetricSet m;
  m.images = scores_.size();
  for (uint8_t l : labels_) m.anomalous_images += l;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (scores_.empty()) {
    m.image_auroc = m.image_ap = m.image_f1_max = m.image_f1_threshold = nan;
  } else {
    m.image_auroc = metrics::auroc(scores_, labels_);
    m.image_ap = metrics::average_precision(scores_, labels_);
    const metrics::F1Max f1 = metrics::f1_max(scores_, labels_);
    m.image_f1_max = f1.f1;
    m.image_f1_threshold = f1.threshold;
  }
  const metrics::PixelMetrics p = pixels_.compute();
  m.pixel_auroc = p.auroc;
  m.pixel_ap = p.average_precision;
  m.pixel_f1_max = p.f1_max;
  m.pixel_f1_threshold = p.f1_threshold;
  m.aupro = p.aupro;
  m.aupro_reference_approx = p.aupro_reference_approx;
  m.pixels = p.num_pixels;
  m.anomalous_pixels = p.num_anomalous_pixels;
  m.regions = p.num_regions;
  return m;
}

MetricSet mean_metrics(const std::vector<MetricSet>& classes) {
  MetricSet mean;
  auto average = [&](double MetricSet::*field) {
    double sum = 0.0;
    int n = 0;
    for (const MetricSet& c : classes) {
      if (std::isnan(c.*field)) continue;
      sum += c.*field;
      ++n;
    }
    mean.*field = n ? sum / n : std::numeric_limits<double>::quiet_NaN();
  };
  for (double MetricSet::*field : {&MetricSet::image_auroc, &MetricSet::image_ap, &MetricSet::image_f1_max,
                                   &MetricSet::pixel_auroc, &MetricSet::pixel_ap, &MetricSet::pixel_f1_max,
                                   &MetricSet::aupro, &MetricSet::aupro_reference_approx})
    average(field);
  // A mean of per-class thresholds means nothing: the calibration gives the pooled ones.
  mean.image_f1_threshold = mean.pixel_f1_threshold = std::numeric_limits<double>::quiet_NaN();
  for (const MetricSet& c : classes) {
    mean.images += c.images;
    mean.anomalous_images += c.anomalous_images;
    mean.pixels += c.pixels;
    mean.anomalous_pixels += c.anomalous_pixels;
    mean.regions += c.regions;
  }
  return mean;
}

}  // namespace decodiff::evaluation
