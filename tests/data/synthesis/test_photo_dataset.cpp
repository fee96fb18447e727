// decodiff-synth photos (photo_dataset.h): layout, masks that match the painted areas, disjoint train and
// test regions, the photo roles. Needs Debian's opencv-doc photos (scripts/bootstrap.sh installs them for
// the tests).
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <set>

#include "../../common/temp_dir.h"
#include "photo_dataset.h"
#include "render_sample.h"

namespace data = decodiff::data;
namespace fs = std::filesystem;

namespace {

void require_photos() {
  ASSERT_TRUE(fs::is_directory(data::kOpenCvDocPhotoDir))
      << data::kOpenCvDocPhotoDir << " is missing: apt-get install opencv-doc (scripts/bootstrap.sh does)";
}

data::PhotoSetOptions small_options() {
  data::PhotoSetOptions o;
  o.image_size = 48;
  o.train_per_class = 2;
  o.test_good_per_class = 1;
  o.test_defect_per_kind = 1;
  o.classes = {"fur", "pcb"};
  return o;
}

}  // namespace

TEST(PhotoSet, WritesTheMvtecLayout) {
  require_photos();
  decodiff::testing::TempDir tmp("photo-layout");
  const auto o = small_options();
  const auto info = data::write_photo_dataset(tmp.path(), o);
  ASSERT_EQ(info["categories"].size(), 2u);
  EXPECT_EQ(info["layout"], "mvtec");
  for (const std::string c : {"fur", "pcb"}) {
    const fs::path dir = tmp.path() / c;
    for (const char* f : {"train/good/000.png", "train/good/001.png", "test/good/000.png"}) {
      const cv::Mat img = cv::imread((dir / f).string(), cv::IMREAD_UNCHANGED);
      ASSERT_EQ(img.type(), CV_8UC3) << dir / f;
      EXPECT_EQ(img.rows, 48);
    }
    EXPECT_FALSE(fs::exists(dir / "train/good/002.png"));
    for (const std::string& k : data::photo_defect_kinds()) {
      const cv::Mat img = cv::imread((dir / "test" / k / "000.png").string(), cv::IMREAD_UNCHANGED);
      const cv::Mat mask =
          cv::imread((dir / "ground_truth" / k / "000_mask.png").string(), cv::IMREAD_UNCHANGED);
      ASSERT_EQ(img.type(), CV_8UC3) << c << "/" << k;
      ASSERT_EQ(mask.type(), CV_8UC1) << c << "/" << k;
      EXPECT_GT(cv::countNonZero(mask), 3) << c << "/" << k;
      EXPECT_EQ(cv::countNonZero((mask != 0) & (mask != 255)), 0) << c << "/" << k;
    }
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "aloe"));
  // The written train crop is the documented region of the photo, resized.
  const cv::Mat photo = data::read_photo(fs::path(data::kOpenCvDocPhotoDir) / "baboon.jpg");
  const cv::Rect r =
      data::photo_crop_rect(photo.size(), true, o, data::sample_seed(o.seed, "fur", "train/good", 1));
  cv::Mat expected;
  cv::resize(photo(r), expected, cv::Size(48, 48), 0, 0, cv::INTER_AREA);
  const cv::Mat written = cv::imread((tmp.path() / "fur/train/good/001.png").string());
  EXPECT_EQ(cv::norm(expected, written, cv::NORM_INF), 0);
}

TEST(PhotoSet, MasksAreExactlyThePaintedAreas) {
  require_photos();
  const cv::Mat photo = data::read_photo(fs::path(data::kOpenCvDocPhotoDir) / "board.jpg");
  cv::Mat good, foreign;
  cv::resize(photo(cv::Rect(330, 20, 120, 120)), good, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
  cv::resize(photo(cv::Rect(20, 300, 120, 120)), foreign, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
  for (const std::string& kind : data::photo_defect_kinds()) {
    for (uint64_t seed : {1u, 2u, 3u}) {
      const auto d = data::paint_photo_defect(good, kind, foreign, seed);
      ASSERT_EQ(d.mask.size(), good.size());
      cv::Mat diff;
      cv::absdiff(d.image, good, diff);
      cv::Mat changed;
      cv::transform(diff, changed, cv::Matx13f(1, 1, 1));
      changed.convertTo(changed, CV_8U);
      // Nothing outside the mask changed ...
      EXPECT_EQ(cv::countNonZero(changed & ~d.mask), 0) << kind << " seed " << seed;
      // ... and inside it the defect is clearly visible (mean change >= 12 grey levels in some channel).
      const cv::Scalar inside = cv::mean(diff, d.mask);
      EXPECT_GE(std::max({inside[0], inside[1], inside[2]}), 12.0) << kind << " seed " << seed;
      // Centred away from the border: the defect's centre of mass lies in the central 70 %.
      const cv::Moments mo = cv::moments(d.mask, true);
      const double cx = mo.m10 / mo.m00, cy = mo.m01 / mo.m00;
      EXPECT_GT(std::min(cx, cy), 0.15 * 64 - 4) << kind << " seed " << seed;
      EXPECT_LT(std::max(cx, cy), 0.85 * 64 + 4) << kind << " seed " << seed;
    }
  }
  EXPECT_THROW(data::paint_photo_defect(good, "dent", foreign, 1), std::invalid_argument);
}

TEST(PhotoSet, TrainAndTestRegionsAreDisjoint) {
  data::PhotoSetOptions o;
  for (const cv::Size size : {cv::Size(512, 512), cv::Size(640, 480), cv::Size(1282, 1110)}) {
    const cv::Rect tl(0, 0, size.width / 2, size.height / 2),
        br(size.width / 2, size.height / 2, size.width - size.width / 2, size.height - size.height / 2);
    std::vector<cv::Rect> train, test;
    for (int i = 0; i < 200; ++i) {
      train.push_back(data::photo_crop_rect(size, true, o, data::sample_seed(1, "x", "train/good", i)));
      test.push_back(data::photo_crop_rect(size, false, o, data::sample_seed(1, "x", "test/good", i)));
    }
    int in_tl = 0;
    for (const auto& r : train) {
      EXPECT_TRUE((r & tl) == r || (r & br) == r) << r;
      in_tl += (r & tl) == r;
    }
    EXPECT_GT(in_tl, 50);  // both quadrants are used
    EXPECT_LT(in_tl, 150);
    for (const auto& t : test)
      for (const auto& r : train) ASSERT_TRUE((t & r).empty()) << t << " overlaps " << r;
  }
}

TEST(PhotoSet, CodecNeverTrainsOnBenchmarkOrHeldOutPhotos) {
  require_photos();
  const auto training = data::codec_training_photos(data::kOpenCvDocPhotoDir);
  std::set<std::string> names;
  for (const auto& p : training) names.insert(p.filename().string());
  EXPECT_GE(names.size(), 30u);
  for (const auto& b : data::benchmark_photos()) EXPECT_FALSE(names.count(b.file)) << b.file;
  for (const auto& h : data::held_out_photos()) {
    EXPECT_FALSE(names.count(h)) << h;
    EXPECT_TRUE(fs::exists(fs::path(data::kOpenCvDocPhotoDir) / h)) << h;
  }
  for (const auto& e : data::excluded_photos()) EXPECT_FALSE(names.count(e)) << e;
}

TEST(PhotoSet, BadOptionsAreOneClearError) {
  decodiff::testing::TempDir tmp("photo-errors");
  data::PhotoSetOptions o = small_options();
  o.image_size = 8;
  EXPECT_THROW(data::write_photo_dataset(tmp.path(), o), std::invalid_argument);
  o = small_options();
  o.classes = {"nonsense"};
  try {
    data::write_photo_dataset(tmp.path(), o);
    FAIL() << "no error for an unknown class";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fur"), std::string::npos) << e.what();
  }
  o = small_options();
  o.source = tmp.path() / "nowhere";
  EXPECT_THROW(data::write_photo_dataset(tmp.path() / "out", o), std::runtime_error);
}
