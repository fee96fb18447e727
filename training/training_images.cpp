#include "training_images.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "image_loading.h"

namespace decodiff::train {

std::vector<TrainingImage> load_training_images(const std::vector<std::string>& paths,
                                                const std::vector<int>& class_ids, int resize, int threads,
                                                const std::function<void(int, int)>& progress) {
  if (paths.size() != class_ids.size())
    throw std::invalid_argument("load_training_images: paths and class ids differ in length");
  std::vector<TrainingImage> out(paths.size());
  std::atomic<size_t> next{0};
  std::atomic<int> done{0};
  std::mutex error_mutex, progress_mutex;
  std::exception_ptr error;
  auto work = [&] {
    for (size_t i = next++; i < paths.size(); i = next++) {
      try {
        out[i].rgb = data::pillow_resize(data::load_rgb_image(paths[i]), resize);
        out[i].class_id = class_ids[i];
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = paths.size();
        return;
      }
      const int d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress(d, static_cast<int>(paths.size()));
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return out;
}

cv::Mat augment_crop(const cv::Mat& rgb, int crop, int dx, int dy, bool rotate180, bool mirror) {
  const int off_y = (rgb.rows - crop) / 2, off_x = (rgb.cols - crop) / 2;
  // shifted(x, y) = rgb(x - dx, y - dy); the crop starts at (off_x, off_y) of the shifted image.
  cv::Mat out = cv::Mat::zeros(crop, crop, rgb.type());
  const cv::Rect src(off_x - dx, off_y - dy, crop, crop);
  const cv::Rect valid = src & cv::Rect(0, 0, rgb.cols, rgb.rows);
  if (valid.area() > 0)
    rgb(valid).copyTo(out(cv::Rect(valid.x - src.x, valid.y - src.y, valid.width, valid.height)));
  if (mirror) cv::flip(out, out, 1);
  if (rotate180) cv::flip(out, out, -1);
  return out;
}

BatchLoader::BatchLoader(std::shared_ptr<const std::vector<TrainingImage>> images, int crop,
                         AugmentOptions augment, int batch_size, uint64_t seed, int64_t first_epoch,
                         int prefetch, int shard_rank, int shard_count)
    : images_(std::move(images)),
      crop_(crop),
      batch_size_(batch_size),
      shard_rank_(shard_rank),
      shard_count_(shard_count),
      augment_(augment),
      seed_(seed),
      first_epoch_(first_epoch),
      prefetch_(static_cast<size_t>(std::max(1, prefetch))) {
  if (!images_ || images_->empty()) throw std::invalid_argument("BatchLoader: no training images");
  if (batch_size_ < 1) throw std::invalid_argument("BatchLoader: batch size must be >= 1");
  if (shard_count_ < 1 || shard_rank_ < 0 || shard_rank_ >= shard_count_)
    throw std::invalid_argument("BatchLoader: bad shard");
  const auto& first = images_->front().rgb;
  if (first.rows < crop_ || first.cols < crop_)
    throw std::invalid_argument("BatchLoader: crop larger than the cached images");
  if (augment_.translate_px < 0)
    augment_.translate_px = std::max(0, static_cast<int>(first.rows / 8.0 - crop_ / 8.0));
  thread_ = std::thread([this] { produce(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t BatchLoader::batches_per_epoch() const {
  const auto n = static_cast<int64_t>(images_->size());
  const int64_t global = int64_t{batch_size_} * shard_count_;
  return (n + global - 1) / global;
}

Batch BatchLoader::make_batch(const std::vector<int64_t>& order, int64_t epoch, int64_t index,
                              std::mt19937_64& rng) const {
  const int64_t global = int64_t{batch_size_} * shard_count_;
  const int64_t begin = index * global;
  const int64_t end = std::min<int64_t>(begin + global, static_cast<int64_t>(order.size()));
  // This rank's rows [mine_begin, mine_end) of the global batch [begin, end).
  const int64_t mine_begin = std::min(end, begin + int64_t{batch_size_} * shard_rank_);
  const int64_t mine_end = std::min(end, mine_begin + batch_size_);
  const int64_t b = mine_end - mine_begin;
  auto pixels = at::empty({b, crop_, crop_, 3}, at::kByte);
  std::vector<int64_t> ids(b), keys(b);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int> shift(-augment_.translate_px, augment_.translate_px);
  for (int64_t g = begin; g < end; ++g) {
    int dx = 0, dy = 0;
    bool rot = false, mirror = false;
    if (augment_.enabled) {
      if (u(rng) < augment_.translate_prob) {
        dx = shift(rng);
        dy = shift(rng);
      }
      rot = u(rng) < augment_.rotate180_prob;
      // Drawn only when enabled, so runs without it keep the reference's random stream.
      if (augment_.mirror_prob > 0.0) mirror = u(rng) < augment_.mirror_prob;
    }
    if (g < mine_begin || g >= mine_end) continue;
    const int64_t i = g - mine_begin;
    const auto& img = (*images_)[order[g]];
    cv::Mat c = augment_crop(img.rgb, crop_, dx, dy, rot, mirror);
    const int64_t span = 2 * augment_.translate_px + 1;
    keys[i] = ((order[g] * span + (dx + augment_.translate_px)) * span + (dy + augment_.translate_px)) * 4 +
              (rot ? 1 : 0) + (mirror ? 2 : 0);
    std::memcpy(pixels.data_ptr<uint8_t>() + i * crop_ * crop_ * 3, c.data,
                static_cast<size_t>(crop_) * crop_ * 3);
    ids[i] = img.class_id;
  }
  Batch batch;
  batch.images = (pixels.permute({0, 3, 1, 2}).to(at::kFloat) / 255.0f - 0.5f) / 0.5f;
  batch.images = batch.images.contiguous();
  batch.class_ids = at::tensor(ids, at::kLong);
  batch.keys = std::move(keys);
  batch.epoch = epoch;
  batch.index = index;
  batch.last_in_epoch = end == static_cast<int64_t>(order.size());
  batch.global_size = end - begin;
  batch.offset = mine_begin - begin;
  return batch;
}

void BatchLoader::produce() {
  try {
    const auto n = static_cast<int64_t>(images_->size());
    std::vector<int64_t> order(n);
    for (int64_t epoch = first_epoch_;; ++epoch) {
      std::mt19937_64 rng(seed_ * 1000003ULL + static_cast<uint64_t>(epoch));
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      for (int64_t index = 0; index < batches_per_epoch(); ++index) {
        Batch batch = make_batch(order, epoch, index, rng);
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stop_ || queue_.size() < prefetch_; });
        if (stop_) return;
        queue_.push_back(std::move(batch));
        cv_.notify_all();
      }
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    cv_.notify_all();
  }
}

Batch BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return !queue_.empty() || error_; });
  if (queue_.empty() && error_) std::rethrow_exception(error_);
  Batch b = std::move(queue_.front());
  queue_.pop_front();
  cv_.notify_all();
  return b;
}

}  // namespace decodiff::train
