// write_synthetic_dataset: the MVTec layout on disk, dataset.json, determinism, errors.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <iterator>

#include "../../common/temp_dir.h"
#include "render_sample.h"
#include "synth_dataset.h"

namespace data = decodiff::data;
namespace fs = std::filesystem;

namespace {

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

data::SynthOptions small_options() {
  data::SynthOptions o;
  o.seed = 9;
  o.image_size = 32;
  o.train_per_class = 3;
  o.test_good_per_class = 2;
  o.test_defect_per_kind = 1;
  o.categories = {"wood", "nut"};
  return o;
}

}  // namespace

TEST(SynthDataset, WritesTheMvtecLayoutAndDatasetJson) {
  decodiff::testing::TempDir tmp("dataset-layout");
  const auto o = small_options();
  int calls = 0, last_done = 0, last_total = 0;
  const auto info =
      data::write_synthetic_dataset(tmp.path(), o, [&](int done, int total, const std::string&) {
        ++calls;
        EXPECT_EQ(done, last_done + 1);
        last_done = done;
        last_total = total;
      });
  const int wood_kinds = static_cast<int>(data::synth_defect_kinds("wood").size());
  const int nut_kinds = static_cast<int>(data::synth_defect_kinds("nut").size());
  const int expected_total = 2 * (3 + 2) + wood_kinds + nut_kinds;
  EXPECT_EQ(calls, expected_total);
  EXPECT_EQ(last_total, expected_total);

  for (const std::string c : {"wood", "nut"}) {
    const fs::path dir = tmp.path() / c;
    for (int i = 0; i < 3; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "%03d.png", i);
      const fs::path file = dir / "train" / "good" / name;
      ASSERT_TRUE(fs::exists(file)) << file;
      // The file holds exactly the in-memory sample with the documented seed (PNG is lossless).
      const cv::Mat img = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
      const auto expected =
          data::render_sample(c, data::DefectKind::none, data::sample_seed(9, c, "train/good", i), 32);
      ASSERT_EQ(img.size(), cv::Size(32, 32));
      EXPECT_EQ(cv::norm(img, expected.image, cv::NORM_INF), 0) << file;
    }
    EXPECT_FALSE(fs::exists(dir / "train" / "good" / "003.png"));
    EXPECT_TRUE(fs::exists(dir / "test" / "good" / "001.png"));
    EXPECT_FALSE(fs::exists(dir / "test" / "good" / "002.png"));
    EXPECT_FALSE(fs::exists(dir / "ground_truth" / "good"));
    for (auto kind : data::synth_defect_kinds(c)) {
      const std::string k = data::to_string(kind);
      const fs::path img_path = dir / "test" / k / "000.png",
                     mask_path = dir / "ground_truth" / k / "000_mask.png";
      ASSERT_TRUE(fs::exists(img_path)) << img_path;
      ASSERT_TRUE(fs::exists(mask_path)) << mask_path;
      const cv::Mat mask = cv::imread(mask_path.string(), cv::IMREAD_UNCHANGED);
      ASSERT_EQ(mask.type(), CV_8UC1) << mask_path;
      EXPECT_GT(cv::countNonZero(mask), 0) << mask_path;
      EXPECT_EQ(cv::countNonZero((mask != 0) & (mask != 255)), 0) << mask_path;
      const auto expected = data::render_sample(c, kind, data::sample_seed(9, c, "test/" + k, 0), 32);
      EXPECT_EQ(cv::norm(mask, expected.mask, cv::NORM_INF), 0) << mask_path;
    }
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "wood" / "test" / "missing_part"));
  EXPECT_FALSE(fs::exists(tmp.path() / "weave"));

  const auto json = nlohmann::json::parse(read_bytes(tmp.path() / "dataset.json"));
  EXPECT_EQ(json, info);
  EXPECT_EQ(json["seed"], 9);
  EXPECT_EQ(json["image_size"], 32);
  EXPECT_EQ(json["generator_version"], data::kSynthGeneratorVersion);
  ASSERT_EQ(json["categories"].size(), 2u);
  EXPECT_EQ(json["categories"][0]["name"], "wood");
  EXPECT_EQ(json["categories"][1]["name"], "nut");
  EXPECT_EQ(json["categories"][1]["train_good"], 3);
  EXPECT_EQ(json["categories"][1]["test_good"], 2);
  EXPECT_EQ(json["categories"][1]["test_defects"].size(), static_cast<size_t>(nut_kinds));
  EXPECT_EQ(json["categories"][1]["test_defects"]["hole"], 1);
}

TEST(SynthDataset, SameSeedSameFilesOtherSeedOtherFiles) {
  decodiff::testing::TempDir a("dataset-a"), b("dataset-b"), c("dataset-c");
  auto o = small_options();
  o.categories = {"pcb"};
  data::write_synthetic_dataset(a.path(), o);
  data::write_synthetic_dataset(b.path(), o);
  o.seed = 10;
  data::write_synthetic_dataset(c.path(), o);
  for (const std::string rel :
       {"pcb/train/good/000.png", "pcb/test/crack/000.png", "pcb/ground_truth/crack/000_mask.png"}) {
    const std::string bytes = read_bytes(a.path() / rel);
    ASSERT_FALSE(bytes.empty()) << rel;
    EXPECT_EQ(bytes, read_bytes(b.path() / rel)) << rel;
    EXPECT_NE(bytes, read_bytes(c.path() / rel)) << rel;
  }
}

TEST(SynthDataset, AllCategoriesByDefault) {
  decodiff::testing::TempDir tmp("dataset-all");
  data::SynthOptions o;
  o.image_size = 32;
  o.train_per_class = 1;
  o.test_good_per_class = 0;
  o.test_defect_per_kind = 0;
  const auto info = data::write_synthetic_dataset(tmp.path(), o);
  EXPECT_EQ(info["categories"].size(), data::synth_categories().size());
  for (const auto& c : data::synth_categories())
    EXPECT_TRUE(fs::exists(tmp.path() / c / "train" / "good" / "000.png"));
}

TEST(SynthDataset, ClearErrors) {
  decodiff::testing::TempDir tmp("dataset-errors");
  const fs::path file = tmp.path() / "a-file";
  std::ofstream(file) << "x";
  try {
    data::write_synthetic_dataset(file / "sub", small_options());
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("a-file"), std::string::npos) << e.what();
  }
  auto o = small_options();
  o.categories = {"nut", "marble"};
  try {
    data::write_synthetic_dataset(tmp.path() / "x", o);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'marble'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("known: weave"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "x")) << "validation happens before anything is written";
  o = small_options();
  o.categories = {"nut", "nut"};
  EXPECT_THROW(data::write_synthetic_dataset(tmp.path() / "x", o), std::invalid_argument);
  o = small_options();
  o.train_per_class = -1;
  EXPECT_THROW(data::write_synthetic_dataset(tmp.path() / "x", o), std::invalid_argument);
  o = small_options();
  o.image_size = 8;
  EXPECT_THROW(data::write_synthetic_dataset(tmp.path() / "x", o), std::invalid_argument);
}
