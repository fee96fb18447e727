// render_sample: determinism, exact masks, distinct category looks, errors.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <set>

#include "render_sample.h"

namespace data = decodiff::data;
using data::DefectKind;

namespace {

bool same_bytes(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// Largest per-channel absolute difference, per pixel (CV_8UC1).
cv::Mat max_channel_diff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  cv::Mat ch[3];
  cv::split(diff, ch);
  return cv::max(cv::max(ch[0], ch[1]), ch[2]);
}

}  // namespace

TEST(RenderSample, HasAtLeastFourCategoriesAndFiveDefectKinds) {
  const auto categories = data::synth_categories();
  EXPECT_GE(categories.size(), 4u);
  std::set<DefectKind> kinds;
  for (const auto& c : categories) {
    const auto k = data::synth_defect_kinds(c);
    EXPECT_GE(k.size(), 5u) << c;
    kinds.insert(k.begin(), k.end());
    EXPECT_FALSE(data::synth_category_look(c).empty());
  }
  EXPECT_GE(kinds.size(), 5u);
  EXPECT_EQ(kinds.count(DefectKind::none), 0u);
  // Textures and objects are both present.
  int textures = 0;
  for (const auto& c : categories) textures += data::synth_category_is_texture(c) ? 1 : 0;
  EXPECT_GE(textures, 1);
  EXPECT_GE(static_cast<int>(categories.size()) - textures, 1);
}

TEST(RenderSample, DefectKindNamesRoundTrip) {
  for (DefectKind k : data::all_defect_kinds()) EXPECT_EQ(data::parse_defect_kind(data::to_string(k)), k);
  EXPECT_EQ(data::parse_defect_kind("none"), DefectKind::none);
  try {
    data::parse_defect_kind("dent");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'dent'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("colour_stain"), std::string::npos) << e.what();
  }
}

TEST(RenderSample, GoodSampleHasTypesSizesAndEmptyMask) {
  for (const auto& c : data::synth_categories()) {
    const auto s = data::render_sample(c, DefectKind::none, 3, 48);
    EXPECT_EQ(s.image.type(), CV_8UC3) << c;
    EXPECT_EQ(s.image.size(), cv::Size(48, 48)) << c;
    EXPECT_EQ(s.mask.type(), CV_8UC1) << c;
    EXPECT_EQ(s.mask.size(), cv::Size(48, 48)) << c;
    EXPECT_EQ(cv::countNonZero(s.mask), 0) << c;
    EXPECT_EQ(s.category, c);
    EXPECT_EQ(s.defect, DefectKind::none);
    // Not a flat image: there is structure to learn.
    cv::Scalar mean, stddev;
    cv::meanStdDev(s.image, mean, stddev);
    EXPECT_GT(stddev[1], 8.0) << c;
    // Objects sit on a background; textures fill the frame.
    const int fg = cv::countNonZero(s.foreground);
    if (data::synth_category_is_texture(c))
      EXPECT_EQ(fg, 48 * 48) << c;
    else
      EXPECT_TRUE(fg > 48 * 48 / 10 && fg < 48 * 48 * 9 / 10) << c << " foreground " << fg;
  }
}

TEST(RenderSample, SameSeedSameBytesOtherSeedOtherImage) {
  for (const auto& c : data::synth_categories()) {
    const auto a = data::render_sample(c, DefectKind::scratch, 11, 64);
    const auto b = data::render_sample(c, DefectKind::scratch, 11, 64);
    EXPECT_TRUE(same_bytes(a.image, b.image)) << c;
    EXPECT_TRUE(same_bytes(a.mask, b.mask)) << c;
    const auto d = data::render_sample(c, DefectKind::scratch, 12, 64);
    EXPECT_GT(cv::norm(a.image, d.image, cv::NORM_L1) / a.image.total(), 3.0) << c;
    EXPECT_FALSE(same_bytes(a.mask, d.mask)) << c;
  }
}

// The mask is exactly the set of pixels the defect changed, and every one of
// them changed visibly.
TEST(RenderSample, MaskIsExactlyTheVisiblyChangedPixels) {
  for (const auto& c : data::synth_categories()) {
    for (DefectKind kind : data::synth_defect_kinds(c)) {
      for (uint64_t seed : {1u, 2u, 3u}) {
        const std::string what = c + "/" + data::to_string(kind) + " seed " + std::to_string(seed);
        const auto good = data::render_sample(c, DefectKind::none, seed, 64);
        const auto bad = data::render_sample(c, kind, seed, 64);
        ASSERT_EQ(bad.mask.type(), CV_8UC1) << what;
        const int area = cv::countNonZero(bad.mask);
        EXPECT_GE(area, 4) << what;
        EXPECT_LT(area, 64 * 64 / 3) << what;
        EXPECT_EQ(cv::countNonZero((bad.mask != 0) & (bad.mask != 255)), 0) << what << ": mask not binary";
        const cv::Mat diff = max_channel_diff(good.image, bad.image);
        EXPECT_EQ(cv::countNonZero(diff & ~bad.mask), 0) << what << ": pixels changed outside the mask";
        double min_inside = 0;
        cv::minMaxLoc(diff, &min_inside, nullptr, nullptr, nullptr, bad.mask);
        EXPECT_GE(min_inside, 24) << what << ": a masked pixel barely changed";
        cv::Mat abs_diff;
        cv::absdiff(good.image, bad.image, abs_diff);
        const cv::Scalar inside = cv::mean(abs_diff, bad.mask);
        EXPECT_GT((inside[0] + inside[1] + inside[2]) / 3, 25.0) << what;
      }
    }
  }
}

TEST(RenderSample, DefectsStayOnThePart) {
  for (const auto& c : {"nut", "capsule", "pcb"}) {
    for (DefectKind kind : {DefectKind::scratch, DefectKind::spot, DefectKind::hole, DefectKind::colour_stain,
                            DefectKind::crack}) {
      const auto s = data::render_sample(c, kind, 5, 96);
      EXPECT_EQ(cv::countNonZero(s.mask & ~s.foreground), 0) << c << "/" << data::to_string(kind);
    }
  }
}

TEST(RenderSample, MissingPartRemovesPartOfTheObject) {
  // The nut loses a corner: its outline shrinks.
  const auto good = data::render_sample("nut", DefectKind::none, 4, 96);
  const auto bad = data::render_sample("nut", DefectKind::missing_part, 4, 96);
  EXPECT_LT(cv::countNonZero(bad.foreground), cv::countNonZero(good.foreground) - 20);
  EXPECT_GT(cv::countNonZero(bad.mask & good.foreground & ~bad.foreground), 20);
}

// A 16x16 thumbnail of every sample is nearer to another sample of its own
// category than to any sample of another category: the looks are distinct and
// consistent.
TEST(RenderSample, CategoriesHaveDistinctLooks) {
  struct Thumb {
    std::string category;
    cv::Mat pixels;
  };
  std::vector<Thumb> thumbs;
  for (const auto& c : data::synth_categories())
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      cv::Mat t;
      cv::resize(data::render_sample(c, DefectKind::none, seed, 64).image, t, cv::Size(16, 16), 0, 0,
                 cv::INTER_AREA);
      thumbs.push_back({c, t});
    }
  for (size_t i = 0; i < thumbs.size(); ++i) {
    double best = 1e18;
    std::string nearest;
    for (size_t j = 0; j < thumbs.size(); ++j) {
      if (i == j) continue;
      const double d = cv::norm(thumbs[i].pixels, thumbs[j].pixels, cv::NORM_L1);
      if (d < best) best = d, nearest = thumbs[j].category;
    }
    EXPECT_EQ(nearest, thumbs[i].category) << "sample " << i;
  }
}

TEST(RenderSample, RejectsBadArguments) {
  try {
    data::render_sample("bottle", DefectKind::none, 1, 64);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'bottle'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("weave"), std::string::npos) << msg;
    EXPECT_NE(msg.find("capsule"), std::string::npos) << msg;
  }
  EXPECT_THROW(data::render_sample("wood", DefectKind::missing_part, 1, 64), std::invalid_argument);
  EXPECT_THROW(data::render_sample("nut", DefectKind::none, 1, 16), std::invalid_argument);
  EXPECT_THROW(data::render_sample("nut", DefectKind::none, 1, 100000), std::invalid_argument);
}

TEST(RenderSample, SampleSeedsDependOnEveryPart) {
  const uint64_t s = data::sample_seed(1, "nut", "train/good", 0);
  EXPECT_EQ(s, data::sample_seed(1, "nut", "train/good", 0));
  EXPECT_NE(s, data::sample_seed(2, "nut", "train/good", 0));
  EXPECT_NE(s, data::sample_seed(1, "pcb", "train/good", 0));
  EXPECT_NE(s, data::sample_seed(1, "nut", "test/good", 0));
  EXPECT_NE(s, data::sample_seed(1, "nut", "train/good", 1));
}
