// Layout detection, class ids and clear errors of index_dataset; the text readers of data/datasets
// (VisA split file, video ROI).
#include <gtest/gtest.h>

#include <climits>
#include <fstream>
#include <sstream>

#include "dataset_index.h"
#include "../../common/temp_dir.h"
#include "image_fixtures.h"
#include "video_frames.h"

using decodiff::data::index_dataset;
using decodiff::testing::solid;
using decodiff::testing::TempDir;
using decodiff::testing::write_image;
namespace fs = std::filesystem;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

void make_mvtec_class(const fs::path& root, const std::string& cls, bool with_mask = true) {
  write_image(root / cls / "train/good/000.png", solid(16, 10, 20, 30));
  write_image(root / cls / "train/good/001.png", solid(16, 10, 20, 30));
  write_image(root / cls / "test/good/000.png", solid(16, 10, 20, 30));
  write_image(root / cls / "test/crack/000.png", solid(16, 10, 20, 30));
  if (with_mask) write_image(root / cls / "ground_truth/crack/000_mask.png", cv::Mat::zeros(16, 16, CV_8UC1));
}

}  // namespace

TEST(DatasetIndex, MvtecLayoutKeepsTheReferenceIds) {
  TempDir dir("mvtec");
  make_mvtec_class(dir.path(), "bottle");
  make_mvtec_class(dir.path(), "capsule");
  auto index = index_dataset(dir.str());
  EXPECT_EQ(index.layout, decodiff::data::Layout::kMvtec);
  ASSERT_EQ(index.classes.size(), 15u);
  EXPECT_EQ(index.classes[0], "capsule");
  EXPECT_EQ(index.classes[1], "bottle");
  ASSERT_EQ(index.train.size(), 4u);
  ASSERT_EQ(index.test.size(), 4u);
  for (const auto& s : index.train) {
    EXPECT_FALSE(s.anomalous);
    EXPECT_EQ(s.class_id, s.class_name == "capsule" ? 0 : 1);
  }
  int defects = 0;
  for (const auto& s : index.test) {
    if (s.anomalous) {
      ++defects;
      EXPECT_EQ(s.defect, "crack");
      EXPECT_EQ(fs::path(s.mask).filename(), "000_mask.png");
      EXPECT_TRUE(fs::exists(s.mask));
    } else {
      EXPECT_EQ(s.defect, "good");
      EXPECT_TRUE(s.mask.empty());
    }
  }
  EXPECT_EQ(defects, 2);
  // restricted to one class: ids unchanged
  auto only = index_dataset(dir.str(), {"bottle"});
  EXPECT_EQ(only.train.size(), 2u);
  EXPECT_EQ(only.train[0].class_id, 1);
}

TEST(DatasetIndex, OtherNamesGetSortedIdsOrTheGivenOrder) {
  TempDir dir("synth");
  make_mvtec_class(dir.path(), "weave");
  make_mvtec_class(dir.path(), "nut");
  auto index = index_dataset(dir.str());
  EXPECT_EQ(index.classes, (std::vector<std::string>{"nut", "weave"}));
  auto ordered = index_dataset(dir.str(), {}, {"weave", "pcb", "nut"});
  EXPECT_EQ(ordered.classes.size(), 3u);
  for (const auto& s : ordered.train) EXPECT_EQ(s.class_id, s.class_name == "weave" ? 0 : 2);
  EXPECT_NE(error_of([&] { index_dataset(dir.str(), {}, {"weave"}); }).find("'nut'"), std::string::npos);
}

TEST(DatasetIndex, OneMvtecClassFolder) {
  TempDir dir("one");
  make_mvtec_class(dir.path(), "screw");
  auto index = index_dataset((dir.path() / "screw").string());
  EXPECT_EQ(index.layout, decodiff::data::Layout::kMvtec);
  EXPECT_EQ(index.train.size(), 2u);
  EXPECT_EQ(index.train[0].class_id, 12);
}

TEST(DatasetIndex, FolderLayouts) {
  TempDir dir("folder");
  write_image(dir.path() / "b/x.png", solid(8, 1, 2, 3));
  write_image(dir.path() / "a/y.jpg", solid(8, 1, 2, 3));
  write_image(dir.path() / "a/z.png", solid(8, 1, 2, 3));
  std::ofstream(dir.path() / "a/notes.txt") << "not an image";
  auto index = index_dataset(dir.str());
  EXPECT_EQ(index.layout, decodiff::data::Layout::kFolder);
  EXPECT_EQ(index.classes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(index.train.size(), 3u);
  EXPECT_TRUE(index.test.empty());
  auto flat = index_dataset((dir.path() / "a").string());
  EXPECT_EQ(flat.classes, (std::vector<std::string>{"a"}));
  EXPECT_EQ(flat.train.size(), 2u);
}

TEST(DatasetIndex, VisaCsv) {
  TempDir dir("visa");
  write_image(dir.path() / "pcb1/Data/Images/Normal/0000.JPG", solid(8, 1, 2, 3));
  write_image(dir.path() / "pcb1/Data/Images/Normal/0001.JPG", solid(8, 1, 2, 3));
  write_image(dir.path() / "pcb1/Data/Images/Anomaly/0002.JPG", solid(8, 1, 2, 3));
  fs::create_directories(dir.path() / "split_csv");
  std::ofstream(dir.path() / "split_csv/1cls.csv")
      << "object,split,label,image,mask\n"
         "pcb1,train,normal,pcb1/Data/Images/Normal/0000.JPG,\n"
         "pcb1,test,normal,pcb1/Data/Images/Normal/0001.JPG,\n"
         "pcb1,test,anomaly,pcb1/Data/Images/Anomaly/0002.JPG,pcb1/Data/Masks/Anomaly/0002.png\n";
  auto index = index_dataset(dir.str());
  EXPECT_EQ(index.layout, decodiff::data::Layout::kVisa);
  EXPECT_EQ(index.classes.size(), 12u);
  ASSERT_EQ(index.train.size(), 1u);
  EXPECT_EQ(index.train[0].class_id, 9);
  ASSERT_EQ(index.test.size(), 2u);
  EXPECT_EQ(index.test[0].anomalous, true);  // sorted by path: Anomaly/ before Normal/
  EXPECT_EQ(fs::path(index.test[0].mask).filename(), "0002.png");
}

TEST(DatasetIndex, ClearErrors) {
  TempDir dir("errors");
  EXPECT_NE(error_of([&] { index_dataset((dir.path() / "nope").string()); }).find("does not exist"),
            std::string::npos);
  fs::create_directories(dir.path() / "empty/sub");
  EXPECT_NE(error_of([&] { index_dataset((dir.path() / "empty").string()); }).find("holds no images"),
            std::string::npos);
  make_mvtec_class(dir.path() / "ds", "nut");
  const std::string unknown = error_of([&] { index_dataset((dir.path() / "ds").string(), {"bolt"}); });
  EXPECT_NE(unknown.find("unknown class 'bolt'"), std::string::npos);
  EXPECT_NE(unknown.find("nut"), std::string::npos);
  make_mvtec_class(dir.path() / "nomask", "nut", false);
  const std::string nomask = error_of([&] { index_dataset((dir.path() / "nomask").string()); });
  EXPECT_NE(nomask.find("has no mask"), std::string::npos);
  EXPECT_NE(nomask.find("000_mask.png"), std::string::npos);
}

TEST(DatasetIndex, VisaSplitText) {
  std::istringstream csv(
      "label,object,mask,split,image\r\n"
      "normal,pcb1,,train,\"pcb1/a,b.JPG\"\r\n"
      "anomaly,pcb1,m/2.png,test,i/2.JPG\r\n"
      "\r\n"
      "normal,pcb1,,other,i/3.JPG\n");
  std::vector<decodiff::data::Sample> train, test;
  decodiff::data::parse_visa_split(csv, "/r", "split.csv", train, test);
  ASSERT_EQ(train.size(), 1u);
  EXPECT_EQ(train[0].image, "/r/pcb1/a,b.JPG");
  EXPECT_FALSE(train[0].anomalous);
  ASSERT_EQ(test.size(), 1u);
  EXPECT_EQ(test[0].mask, "/r/m/2.png");
  EXPECT_EQ(test[0].defect, "anomaly");

  std::istringstream short_row("object,split,label,image,mask\npcb1,train\n");
  EXPECT_EQ(error_of([&] { decodiff::data::parse_visa_split(short_row, "/r", "split.csv", train, test); }),
            "'split.csv' line 2: too few fields");
  std::istringstream no_mask_column("object,split,label,image\n");
  EXPECT_EQ(
      error_of([&] { decodiff::data::parse_visa_split(no_mask_column, "/r", "split.csv", train, test); }),
      "'split.csv' has no column 'mask'");
}

TEST(VideoRoi, StrictParsing) {
  using decodiff::data::parse_roi;
  EXPECT_EQ(parse_roi("120,40,400,300"), cv::Rect(120, 40, 400, 300));
  EXPECT_EQ(parse_roi(" 1, 2 ,3 , 4 "), cv::Rect(1, 2, 3, 4));
  EXPECT_EQ(parse_roi("0,0,2147483647,1"), cv::Rect(0, 0, INT_MAX, 1));
  for (const char* bad :
       {"", "1,2,3", "1,2,3,4,5", "1,2,3,4x", "1x2y3z4", "-1,0,10,10", "0,0,0,10", "4294967306,0,10,10",
        "2147483647,0,10,10", "0,150,10,2147483647", "+1,2,3,4", "1,,3,4"}) {
    try {
      parse_roi(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("bad ROI '") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}
