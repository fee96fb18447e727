// Training images cached at training size, augmented and batched in a background
// thread (a small prefetch queue), so the optimiser never waits for decoding.
#pragma once

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace decodiff::train {

struct TrainingImage {
  cv::Mat rgb;  // resize x resize, CV_8UC3 RGB (already Pillow-resized)
  int class_id = 0;
};

// Decodes and resizes image files with `threads` threads; progress(done, total) after each.
// Throws std::runtime_error naming the first unreadable file.
std::vector<TrainingImage> load_training_images(const std::vector<std::string>& paths,
                                                const std::vector<int>& class_ids, int resize,
                                                int threads = 2,
                                                const std::function<void(int, int)>& progress = nullptr);

// The reference's augmentation (MVTECDataLoader / VISADataLoader).
struct AugmentOptions {
  bool enabled = true;
  int translate_px = -1;  // -1: int(resize/8 - crop/8) as the reference (4 for 288 -> 256)
  double translate_prob =
      0.5;  // A.Affine(translate_px, p=0.5): dx, dy uniform integers in [-t, t], zero fill
  double rotate180_prob = 0.0;  // VisA: 0.5 (np.rot90(img, 2) after the crop)
  double mirror_prob = 0.0;     // left-right mirror after the crop (our addition, off in the reference)
};

// One augmented crop: shift (dx, dy) of the resize x resize image with zero fill,
// then the center crop, then the optional left-right mirror, then the optional
// 180-degree rotation. Exposed for tests.
cv::Mat augment_crop(const cv::Mat& rgb, int crop, int dx, int dy, bool rotate180, bool mirror = false);

struct Batch {
  at::Tensor images;     // [B,3,crop,crop] float32 in [-1,1], CPU (this rank's rows; B may be 0)
  at::Tensor class_ids;  // [B] int64
  // Per sample: which image and augmentation it is (equal keys = identical pixels),
  // so a frozen encoder's output can be cached.
  std::vector<int64_t> keys;
  int64_t epoch = 0;  // 0-based
  int64_t index = 0;  // batch index inside the epoch
  bool last_in_epoch = false;
  // Several ranks: the batch is rows [offset, offset + B) of a global batch of global_size
  // rows (batch_size per rank in rank order, see shard_rows()); one rank: 0 and B.
  int64_t global_size = 0, offset = 0;
};

// Endless sequence of batches: each epoch is a fresh permutation of the images
// (drawn from seed and epoch, so a resumed run sees the same order), cut into
// batches of batch_size (the last one may be smaller, as the reference's drop_last=False).
// Sharded (shard_count ranks, data parallel): the epoch is cut into global batches of
// batch_size x shard_count, and this loader yields rank shard_rank's rows of each, with the
// augmentation every row gets in the unsharded loader of that global batch size (the
// random draws of all rows are made, only this rank's crops are built).
class BatchLoader {
 public:
  BatchLoader(std::shared_ptr<const std::vector<TrainingImage>> images, int crop, AugmentOptions augment,
              int batch_size, uint64_t seed, int64_t first_epoch = 0, int prefetch = 4, int shard_rank = 0,
              int shard_count = 1);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  Batch next();  // blocks until a batch is ready
  int64_t batches_per_epoch() const;

 private:
  void produce();
  Batch make_batch(const std::vector<int64_t>& order, int64_t epoch, int64_t index,
                   std::mt19937_64& rng) const;

  std::shared_ptr<const std::vector<TrainingImage>> images_;
  int crop_, batch_size_, shard_rank_, shard_count_;
  AugmentOptions augment_;
  uint64_t seed_;
  int64_t first_epoch_;
  size_t prefetch_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace decodiff::train
