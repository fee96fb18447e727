// Exact pixel-level metrics over all pixels of a test set (P-AUROC, P-AP,
// P-F1max, AUPRO), accumulated image by image in bounded memory.
//
// Design: every curve here depends only on, for each distinct score value, how
// many normal pixels, how many anomalous pixels and what sum of 1/|region| of
// the anomalous pixels have that value. Scores are float32, so a score is
// identified exactly by its 32-bit pattern (mapped to an order-preserving key,
// -0.0 folded onto +0.0). Normal pixels go into a two-level radix structure:
// 65536 buckets addressed by the key's top 16 bits, each holding only the low
// 16 bits of its keys (2 bytes per pixel, no quantisation). A bucket that
// grows past 131072 entries turns into a dense table of 65536 32-bit counts
// (256 KiB, never more than the list it replaces), so a bucket never costs
// more than 256 KiB however many pixels land in it.
// Anomalous pixels (a few percent of a test set) are kept as (key, region)
// pairs, 8 bytes each. Memory is therefore about
//   min(2 B x normal pixels (+ vector growth slack), 256 KiB x occupied buckets)
//     + 8 B x anomalous pixels,
// e.g. roughly 0.3-0.6 GB for all of VisA's test pixels at 256x256, and bounded
// by 256 KiB x 16257 buckets for normal pixels whose scores lie in [0, 1].
// compute() sorts each bucket (small, cache-friendly sorts) and then walks all
// distinct thresholds once from the highest down, integrating every curve on
// the fly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace decodiff::metrics {

struct PixelMetrics {
  double auroc = 0.0;                   // roc_auc_score over all pixels
  double average_precision = 0.0;       // average_precision_score over all pixels
  double f1_max = 0.0;                  // best 2PR/(P+R) over the PR curve's points
  double f1_threshold = 0.0;            // its threshold (anomalous iff score >= threshold)
  double aupro = 0.0;                   // exact, MVTec AD official definition (see pro.h)
  double aupro_reference_approx = 0.0;  // the reference code's 200-threshold compute_pro
  uint64_t num_pixels = 0;
  uint64_t num_anomalous_pixels = 0;
  uint64_t num_regions = 0;  // 8-connected ground-truth regions over all images
};

class PixelCurveAccumulator {
 public:
  PixelCurveAccumulator();
  ~PixelCurveAccumulator();
  PixelCurveAccumulator(PixelCurveAccumulator&&) noexcept;
  PixelCurveAccumulator& operator=(PixelCurveAccumulator&&) noexcept;
  PixelCurveAccumulator(const PixelCurveAccumulator&) = delete;
  PixelCurveAccumulator& operator=(const PixelCurveAccumulator&) = delete;

  // One image: row-major width*height anomaly map and ground-truth mask
  // (nonzero = anomalous). Throws std::invalid_argument (and adds nothing) for
  // null pointers, a non-positive size or a non-finite score.
  void add(const float* anomaly_map, const uint8_t* mask, int width, int height);

  // Every metric of PixelMetrics. Degenerate cases follow classification.h and
  // pro.h (NaN AUROC/AUPRO without anomalous or normal pixels). Sorts the
  // stored data in place; add() may still be called afterwards.
  PixelMetrics compute(double pro_fpr_limit = 0.3, int reference_pro_thresholds = 200);

  uint64_t num_pixels() const { return num_negatives_ + positives_.size(); }
  uint64_t num_anomalous_pixels() const { return positives_.size(); }
  uint64_t num_regions() const { return region_sizes_.size(); }
  uint64_t num_images() const { return num_images_; }
  // Bytes held by the pixel store (capacity, not size).
  size_t memory_bytes() const;

 private:
  struct Bucket {
    std::vector<uint16_t> low;           // sparse: low 16 bits of each key
    std::unique_ptr<uint32_t[]> counts;  // dense: count per low 16 bits
    bool sorted = true;
  };
  struct Positive {
    uint32_t key;
    uint32_t region;
  };

  void add_negative(uint32_t key);

  std::vector<Bucket> buckets_;
  uint64_t num_negatives_ = 0;
  uint64_t num_images_ = 0;
  std::vector<Positive> positives_;
  std::vector<uint32_t> region_sizes_;
  uint32_t min_key_ = UINT32_MAX;
  uint32_t max_key_ = 0;
};

}  // namespace decodiff::metrics
