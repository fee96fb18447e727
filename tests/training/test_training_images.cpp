// Augmentation and batching of cached training images.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "training_images.h"

using namespace decodiff::train;

namespace {

cv::Mat pattern(int size, int seed) {
  cv::Mat m(size, size, CV_8UC3);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uchar>(x * 3 + seed), static_cast<uchar>(y * 3), static_cast<uchar>(seed));
  return m;
}

}  // namespace

TEST(AugmentCrop, ShiftsThenCropsWithZeroFill) {
  const cv::Mat img = pattern(20, 1);  // resize 20, crop 16: offset 2
  cv::Mat plain = augment_crop(img, 16, 0, 0, false);
  EXPECT_EQ(plain.at<cv::Vec3b>(0, 0), img.at<cv::Vec3b>(2, 2));
  EXPECT_EQ(plain.at<cv::Vec3b>(15, 15), img.at<cv::Vec3b>(17, 17));
  // shifted right by 3 and up by 1: out(y, x) = img(y + 2 + 1, x + 2 - 3)
  cv::Mat s = augment_crop(img, 16, 3, -1, false);
  EXPECT_EQ(s.at<cv::Vec3b>(5, 7), img.at<cv::Vec3b>(8, 6));
  EXPECT_EQ(s.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));  // x - 1 < 0: zero fill
  EXPECT_EQ(s.at<cv::Vec3b>(0, 1), img.at<cv::Vec3b>(3, 0));
  cv::Mat r = augment_crop(img, 16, 0, 0, true);
  EXPECT_EQ(r.at<cv::Vec3b>(0, 0), plain.at<cv::Vec3b>(15, 15));
  EXPECT_EQ(r.at<cv::Vec3b>(3, 10), plain.at<cv::Vec3b>(12, 5));
  // mirror: out(y, x) = plain(y, 15 - x); with the rotation as well: plain(15 - y, x)
  cv::Mat m = augment_crop(img, 16, 0, 0, false, true);
  EXPECT_EQ(m.at<cv::Vec3b>(0, 0), plain.at<cv::Vec3b>(0, 15));
  EXPECT_EQ(m.at<cv::Vec3b>(3, 10), plain.at<cv::Vec3b>(3, 5));
  cv::Mat mr = augment_crop(img, 16, 0, 0, true, true);
  EXPECT_EQ(mr.at<cv::Vec3b>(3, 10), plain.at<cv::Vec3b>(12, 10));
}

TEST(BatchLoader, EachEpochVisitsEveryImageOnceInASeededOrder) {
  auto images = std::make_shared<std::vector<TrainingImage>>();
  for (int i = 0; i < 10; ++i) images->push_back({pattern(20, i * 10), i});
  AugmentOptions aug;
  aug.enabled = false;
  std::vector<int64_t> first_order;
  {
    BatchLoader loader(images, 16, aug, 4, 7);
    EXPECT_EQ(loader.batches_per_epoch(), 3);
    for (int epoch = 0; epoch < 2; ++epoch) {
      std::multiset<int64_t> seen;
      std::vector<int64_t> order;
      for (int i = 0; i < 3; ++i) {
        Batch b = loader.next();
        EXPECT_EQ(b.epoch, epoch);
        EXPECT_EQ(b.index, i);
        EXPECT_EQ(b.last_in_epoch, i == 2);
        EXPECT_EQ(b.images.size(0), i == 2 ? 2 : 4);
        EXPECT_EQ(b.images.sizes().slice(1), (at::IntArrayRef{3, 16, 16}));
        for (int64_t k = 0; k < b.class_ids.size(0); ++k) {
          const int64_t id = b.class_ids[k].item<int64_t>();
          seen.insert(id);
          order.push_back(id);
          // the third stored channel holds the seed: (seed/255 - .5)/.5
          const float expected = (static_cast<float>(id * 10) / 255.0f - 0.5f) / 0.5f;
          EXPECT_NEAR(b.images[k][2][0][0].item<float>(), expected, 1e-6);
        }
      }
      EXPECT_EQ(seen.size(), 10u);
      EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 10u);
      if (epoch == 0) first_order = order;
    }
  }
  // The same seed and first epoch give the same order (resume sees the same data).
  BatchLoader again(images, 16, aug, 4, 7);
  std::vector<int64_t> order;
  for (int i = 0; i < 3; ++i) {
    Batch b = again.next();
    for (int64_t k = 0; k < b.class_ids.size(0); ++k) order.push_back(b.class_ids[k].item<int64_t>());
  }
  EXPECT_EQ(order, first_order);
}

TEST(BatchLoader, AugmentationTranslatesByAtMostTheReferenceRange) {
  // resize 72, crop 64: the reference's translate_px = int(72/8 - 64/8) = 1
  auto images = std::make_shared<std::vector<TrainingImage>>();
  images->push_back({pattern(72, 0), 0});
  AugmentOptions aug;  // p = 0.5
  BatchLoader loader(images, 64, aug, 1, 3);
  const cv::Mat plain = augment_crop((*images)[0].rgb, 64, 0, 0, false);
  int shifted = 0;
  for (int i = 0; i < 60; ++i) {
    Batch b = loader.next();
    // channel 0 holds x*3 (+0): recover the horizontal shift at pixel (10, 10)
    const float v = b.images[0][0][10][10].item<float>();
    const int value = static_cast<int>(std::lround((v * 0.5f + 0.5f) * 255.0f));
    const int dx = (plain.at<cv::Vec3b>(10, 10)[0] - value) / 3;
    EXPECT_LE(std::abs(dx), 1);
    const float vy = b.images[0][1][10][10].item<float>();
    const int dy =
        (plain.at<cv::Vec3b>(10, 10)[1] - static_cast<int>(std::lround((vy * 0.5f + 0.5f) * 255.0f))) / 3;
    EXPECT_LE(std::abs(dy), 1);
    if (dx != 0 || dy != 0) ++shifted;
  }
  // p = 0.5 and 8 of 9 shifts are non-zero: about 27 of 60
  EXPECT_GT(shifted, 10);
  EXPECT_LT(shifted, 45);
}

TEST(BatchLoader, MirrorFlipsAboutHalfTheCropsAndKeysThemApart) {
  auto images = std::make_shared<std::vector<TrainingImage>>();
  images->push_back({pattern(72, 0), 0});
  AugmentOptions aug;
  aug.translate_prob = 0.0;
  aug.mirror_prob = 0.5;
  BatchLoader loader(images, 64, aug, 1, 5);
  const cv::Mat plain = augment_crop((*images)[0].rgb, 64, 0, 0, false);
  auto stored = [](const Batch& b, int y, int x) {
    return static_cast<int>(std::lround((b.images[0][0][y][x].item<float>() * 0.5f + 0.5f) * 255.0f));
  };
  std::set<int64_t> mirrored_keys, plain_keys;
  for (int i = 0; i < 60; ++i) {
    Batch b = loader.next();
    const bool mirrored = stored(b, 10, 3) == plain.at<cv::Vec3b>(10, 60)[0];
    if (mirrored) {
      EXPECT_EQ(stored(b, 20, 50), plain.at<cv::Vec3b>(20, 13)[0]);
      mirrored_keys.insert(b.keys[0]);
    } else {
      EXPECT_EQ(stored(b, 10, 3), plain.at<cv::Vec3b>(10, 3)[0]);
      plain_keys.insert(b.keys[0]);
    }
  }
  // one key per kind of crop, and the two differ (the latent cache must not mix them)
  ASSERT_EQ(mirrored_keys.size(), 1u);
  ASSERT_EQ(plain_keys.size(), 1u);
  EXPECT_NE(*mirrored_keys.begin(), *plain_keys.begin());
}
