// Procedural codec content (procedural.h) and the codec's training mix (codec_mix.h): determinism and
// contracts.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "codec_mix.h"
#include "procedural.h"

namespace data = decodiff::data;

namespace {

bool same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

}  // namespace

TEST(Procedural, SameSeedSameBytesOtherSeedOtherImage) {
  for (uint64_t seed : {1u, 2u, 77u}) {
    const cv::Mat a = data::render_procedural(seed, 64), b = data::render_procedural(seed, 64);
    ASSERT_EQ(a.type(), CV_8UC3);
    ASSERT_EQ(a.rows, 64);
    ASSERT_EQ(a.cols, 64);
    EXPECT_TRUE(same(a, b)) << "seed " << seed;
    EXPECT_FALSE(same(a, data::render_procedural(seed + 1000, 64))) << "seed " << seed;
  }
}

TEST(Procedural, ImagesAreVariedNotBlank) {
  // Over 40 seeds the images differ in mean colour and most have visible structure.
  int structured = 0;
  double lo = 255, hi = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const cv::Mat img = data::render_procedural(seed, 48);
    cv::Scalar mean, sd;
    cv::meanStdDev(img, mean, sd);
    lo = std::min(lo, mean[1]);
    hi = std::max(hi, mean[1]);
    if (sd[0] + sd[1] + sd[2] > 15) ++structured;
  }
  EXPECT_GT(hi - lo, 80);
  EXPECT_GE(structured, 30);
}

TEST(Procedural, BadSizeIsOneClearError) {
  EXPECT_THROW(data::render_procedural(1, 4), std::invalid_argument);
  EXPECT_THROW(data::render_procedural(1, 5000), std::invalid_argument);
}

TEST(Procedural, PasteChangesOnlyTheBlob) {
  const cv::Mat base = data::render_procedural(3, 64), other = data::render_procedural(4, 96);
  cv::Mat mask;
  const cv::Mat out = data::paste_between(base, other, 5, &mask);
  ASSERT_EQ(mask.type(), CV_8UC1);
  const int area = cv::countNonZero(mask);
  EXPECT_GT(area, 0.01 * 64 * 64);
  EXPECT_LT(area, 0.6 * 64 * 64);
  cv::Mat outside_diff;
  cv::absdiff(out, base, outside_diff);
  outside_diff.setTo(cv::Scalar::all(0), mask);
  EXPECT_EQ(cv::norm(outside_diff, cv::NORM_INF), 0);
  EXPECT_TRUE(same(out, data::paste_between(base, other, 5)));
  EXPECT_THROW(data::paste_between(base, cv::Mat(4, 4, CV_8UC3), 1), std::invalid_argument);
}

TEST(Procedural, JitterIsDeterministic) {
  const cv::Mat img = data::render_procedural(8, 32);
  EXPECT_TRUE(same(data::jitter_colours(img, 1), data::jitter_colours(img, 1)));
  EXPECT_FALSE(same(data::jitter_colours(img, 1), data::jitter_colours(img, 2)));
}

TEST(CodecMix, CropsArePureFunctionsOfSeedAndIndex) {
  // Without photos (their share 0) the mix needs no files.
  data::CodecMixOptions o;
  o.photo_share = 0;
  o.synth_pool = 10;
  o.synth_size = 64;
  const data::CodecMix a(o), b(o);
  for (uint64_t i : {0u, 1u, 17u, 1000u}) {
    const cv::Mat x = a.crop(i, 32);
    ASSERT_EQ(x.type(), CV_8UC3);
    ASSERT_EQ(x.rows, 32);
    EXPECT_TRUE(same(x, b.crop(i, 32))) << i;
  }
  EXPECT_FALSE(same(a.crop(0, 32), a.crop(1, 32)));
  o.seed = 2;
  EXPECT_FALSE(same(a.crop(5, 32), data::CodecMix(o).crop(5, 32)));
  EXPECT_EQ(a.describe()["synthetic_pool"], 10);
}
