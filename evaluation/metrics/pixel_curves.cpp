#include "metrics/pixel_curves.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "metrics/binary_curve.h"
#include "metrics/connected_components.h"
#include "metrics/float_key.h"
#include "metrics/pro.h"

namespace decodiff::metrics {
namespace {

constexpr size_t kBuckets = 65536;
// 131072 two-byte entries = 65536 four-byte counts: the dense table never
// costs more than the sparse list it replaces.
constexpr size_t kDenseAt = 131072;

}  // namespace

PixelCurveAccumulator::PixelCurveAccumulator() : buckets_(kBuckets) {}
PixelCurveAccumulator::~PixelCurveAccumulator() = default;
PixelCurveAccumulator::PixelCurveAccumulator(PixelCurveAccumulator&&) noexcept = default;
PixelCurveAccumulator& PixelCurveAccumulator::operator=(PixelCurveAccumulator&&) noexcept = default;

void PixelCurveAccumulator::add_negative(uint32_t key) {
  Bucket& bucket = buckets_[key >> 16];
  const uint16_t low = static_cast<uint16_t>(key & 0xffffu);
  if (bucket.counts) {
    uint32_t& count = bucket.counts[low];
    if (count == UINT32_MAX)
      throw std::overflow_error("PixelCurveAccumulator: more than 2^32-1 equal scores");
    ++count;
    return;
  }
  if (!bucket.low.empty() && low < bucket.low.back()) bucket.sorted = false;
  bucket.low.push_back(low);
  if (bucket.low.size() >= kDenseAt) {
    bucket.counts.reset(new uint32_t[65536]());
    for (uint16_t v : bucket.low) ++bucket.counts[v];
    std::vector<uint16_t>().swap(bucket.low);
    bucket.sorted = true;
  }
}

void PixelCurveAccumulator::add(const float* anomaly_map, const uint8_t* mask, int width, int height) {
  if (anomaly_map == nullptr || mask == nullptr) {
    throw std::invalid_argument("PixelCurveAccumulator::add: null anomaly map or mask");
  }
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument("PixelCurveAccumulator::add: size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is not positive");
  }
  const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
  for (size_t i = 0; i < n; ++i) {
    if (!detail::is_finite_score(anomaly_map[i])) {
      throw std::invalid_argument("PixelCurveAccumulator::add: anomaly map pixel " + std::to_string(i) +
                                  " (image " + std::to_string(num_images_) + ") is not finite");
    }
  }
  const Components components = label_components_8(mask, width, height);
  if (region_sizes_.size() + components.count() > UINT32_MAX) {
    throw std::overflow_error("PixelCurveAccumulator: more than 2^32-1 ground-truth regions");
  }
  const uint32_t region_base = static_cast<uint32_t>(region_sizes_.size());
  region_sizes_.insert(region_sizes_.end(), components.sizes.begin(), components.sizes.end());
  for (size_t i = 0; i < n; ++i) {
    const uint32_t key = detail::float_key(anomaly_map[i]);
    min_key_ = std::min(min_key_, key);
    max_key_ = std::max(max_key_, key);
    const uint32_t label = components.labels[i];
    if (label == 0) {
      add_negative(key);
      ++num_negatives_;
    } else {
      positives_.push_back({key, region_base + label - 1});
    }
  }
  ++num_images_;
}

size_t PixelCurveAccumulator::memory_bytes() const {
  size_t bytes = buckets_.capacity() * sizeof(Bucket) + positives_.capacity() * sizeof(Positive) +
                 region_sizes_.capacity() * sizeof(uint32_t);
  for (const Bucket& bucket : buckets_) {
    bytes += bucket.low.capacity() * sizeof(uint16_t) + (bucket.counts ? 65536 * sizeof(uint32_t) : 0);
  }
  return bytes;
}

PixelMetrics PixelCurveAccumulator::compute(double pro_fpr_limit, int reference_pro_thresholds) {
  const uint64_t positives = positives_.size();
  detail::BinaryCurve curve(positives, num_negatives_);
  detail::ProCurve pro(num_negatives_, region_sizes_.size(), pro_fpr_limit);

  std::vector<double> grid;
  if (num_pixels() > 0) {
    grid = detail::reference_pro_thresholds(detail::key_float(min_key_), detail::key_float(max_key_),
                                            reference_pro_thresholds);
  }
  std::vector<uint64_t> grid_fp(grid.size(), 0);
  std::vector<long double> grid_pro(grid.size(), 0.0L);
  size_t pending = grid.size();  // grid[pending-1] is the highest threshold not yet recorded
  uint64_t fp = 0;
  long double pro_weight = 0.0L;

  for (Bucket& bucket : buckets_) {
    if (!bucket.sorted) {
      std::sort(bucket.low.begin(), bucket.low.end());
      bucket.sorted = true;
    }
  }
  std::sort(positives_.begin(), positives_.end(),
            [](const Positive& a, const Positive& b) { return a.key > b.key; });

  // Cursor over the normal pixels' distinct keys, highest first.
  size_t bucket_index = kBuckets;
  size_t inner = 0;  // sparse: entries left; dense: low values left to scan
  auto next_negative = [&](uint32_t& key, uint64_t& count) -> bool {
    for (;;) {
      if (bucket_index < kBuckets) {
        const Bucket& bucket = buckets_[bucket_index];
        if (bucket.counts) {
          while (inner > 0) {
            --inner;
            if (bucket.counts[inner] != 0) {
              key = static_cast<uint32_t>(bucket_index << 16) | static_cast<uint32_t>(inner);
              count = bucket.counts[inner];
              return true;
            }
          }
        } else if (inner > 0) {
          const uint16_t low = bucket.low[inner - 1];
          count = 0;
          while (inner > 0 && bucket.low[inner - 1] == low) {
            --inner;
            ++count;
          }
          key = static_cast<uint32_t>(bucket_index << 16) | low;
          return true;
        }
      }
      if (bucket_index == 0) return false;
      --bucket_index;
      inner = buckets_[bucket_index].counts ? 65536 : buckets_[bucket_index].low.size();
    }
  };

  uint32_t negative_key = 0;
  uint64_t negative_count = 0;
  bool have_negative = next_negative(negative_key, negative_count);
  size_t p = 0;
  while (have_negative || p < positives_.size()) {
    uint32_t key = 0;
    if (have_negative) key = negative_key;
    if (p < positives_.size()) key = std::max(key, positives_[p].key);
    const double threshold = detail::key_float(key);
    // The reference counts score > grid threshold: record every grid point at
    // or above this score before this score's pixels are counted.
    while (pending > 0 && grid[pending - 1] >= threshold) {
      --pending;
      grid_fp[pending] = fp;
      grid_pro[pending] = pro_weight;
    }
    uint64_t dfp = 0;
    if (have_negative && negative_key == key) {
      dfp = negative_count;
      have_negative = next_negative(negative_key, negative_count);
    }
    uint64_t dtp = 0;
    long double dpro = 0.0L;
    for (; p < positives_.size() && positives_[p].key == key; ++p) {
      ++dtp;
      dpro += 1.0L / region_sizes_[positives_[p].region];
    }
    fp += dfp;
    pro_weight += dpro;
    curve.add(threshold, dtp, dfp);
    pro.add(dfp, dpro);
  }
  while (pending > 0) {
    --pending;
    grid_fp[pending] = fp;
    grid_pro[pending] = pro_weight;
  }

  PixelMetrics metrics;
  metrics.auroc = curve.auroc();
  metrics.average_precision = curve.average_precision();
  const F1Max f1 = curve.f1_max();
  metrics.f1_max = f1.f1;
  metrics.f1_threshold = f1.threshold;
  metrics.aupro = pro.aupro();
  metrics.aupro_reference_approx =
      grid.empty() ? std::nan("")
                   : detail::reference_pro_area(grid_fp, grid_pro, num_negatives_, region_sizes_.size());
  metrics.num_pixels = num_pixels();
  metrics.num_anomalous_pixels = positives;
  metrics.num_regions = region_sizes_.size();
  return metrics;
}

}  // namespace decodiff::metrics
