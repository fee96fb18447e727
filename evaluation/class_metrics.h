// The seven numbers of the paper for one class (or the mean over classes),
// accumulated image by image: image scores are kept (one float each), pixel
// maps go into the metrics' exact PixelCurveAccumulator (bounded memory), so a
// class of any size is evaluated without holding its maps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metrics/pixel_curves.h"

namespace decodiff::evaluation {

struct MetricSet {
  // Image level (score = max of the map).
  double image_auroc = 0.0;
  double image_ap = 0.0;
  double image_f1_max = 0.0;
  double image_f1_threshold = 0.0;
  // Pixel level, over every pixel of every test image of the class.
  double pixel_auroc = 0.0;
  double pixel_ap = 0.0;
  double pixel_f1_max = 0.0;
  double pixel_f1_threshold = 0.0;
  double aupro = 0.0;                   // exact, FPR limit 0.3 (MVTec AD official definition)
  double aupro_reference_approx = 0.0;  // the reference code's 200-threshold approximation
  // Counts (for the mean: sums over the classes).
  uint64_t images = 0;
  uint64_t anomalous_images = 0;
  uint64_t pixels = 0;
  uint64_t anomalous_pixels = 0;
  uint64_t regions = 0;
};

// The seven table columns, in the paper's order.
struct TableColumn {
  const char* name;
  double MetricSet::*value;
};
const std::vector<TableColumn>& table_columns();

class ClassMetricsAccumulator {
 public:
  // map: row-major width*height anomaly map; mask: same size, nonzero =
  // anomalous (may be null for a normal image = all zero). The image label is
  // `anomalous`, independent of the mask (an anomalous image with an empty
  // mask counts as anomalous at image level, as in MVTec's test sets).
  // Throws std::invalid_argument on a non-finite score or map value.
  void add(float score, bool anomalous, const float* map, const uint8_t* mask, int width, int height);

  uint64_t images() const { return scores_.size(); }
  const std::vector<float>& scores() const { return scores_; }
  const std::vector<uint8_t>& labels() const { return labels_; }

  // Computes everything (sorts the pixel store; cheap to call once).
  MetricSet compute();

 private:
  std::vector<float> scores_;
  std::vector<uint8_t> labels_;
  std::vector<uint8_t> zeros_;
  metrics::PixelCurveAccumulator pixels_;
};

// Mean of each metric over the classes, skipping NaN values (a class without
// anomalous images has NaN AUROC); counts are summed. NaN where every class is
// NaN, and for the two F1 thresholds.
MetricSet mean_metrics(const std::vector<MetricSet>& classes);

}  // namespace decodiff::evaluation
