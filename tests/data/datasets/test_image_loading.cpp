// Image and mask loading as the reference loaders.
#include <gtest/gtest.h>

#include <fstream>

#include "image_loading.h"
#include "../../common/temp_dir.h"
#include "image_fixtures.h"

using decodiff::data::center_crop;
using decodiff::data::load_mask;
using decodiff::data::load_rgb_image;
using decodiff::data::pillow_resize;
using decodiff::testing::TempDir;
using decodiff::testing::write_image;

TEST(ImageLoading, RgbOrderAndCrop) {
  TempDir dir("img");
  cv::Mat bgr(10, 12, CV_8UC3, cv::Scalar(10, 20, 30));  // B, G, R
  bgr.at<cv::Vec3b>(4, 5) = cv::Vec3b(1, 2, 3);
  write_image(dir.path() / "a.png", bgr);
  cv::Mat rgb = load_rgb_image((dir.path() / "a.png").string());
  ASSERT_EQ(rgb.type(), CV_8UC3);
  EXPECT_EQ(rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(30, 20, 10));
  EXPECT_EQ(rgb.at<cv::Vec3b>(4, 5), cv::Vec3b(3, 2, 1));
  cv::Mat c = center_crop(rgb, 6);  // offsets (12-6)/2 = 3, (10-6)/2 = 2
  EXPECT_EQ(c.at<cv::Vec3b>(2, 2), cv::Vec3b(3, 2, 1));
  // grey images become 3 equal channels
  write_image(dir.path() / "g.png", cv::Mat(4, 4, CV_8UC1, cv::Scalar(77)));
  EXPECT_EQ(load_rgb_image((dir.path() / "g.png").string()).at<cv::Vec3b>(1, 1), cv::Vec3b(77, 77, 77));
}

TEST(ImageLoading, PillowResizeOfAFlatImageIsFlatAndSized) {
  cv::Mat flat(30, 40, CV_8UC3, cv::Scalar(50, 100, 150));
  cv::Mat r = pillow_resize(flat, 16);
  ASSERT_EQ(r.size(), cv::Size(16, 16));
  double lo, hi;
  cv::minMaxLoc(r.reshape(1), &lo, &hi);
  EXPECT_EQ(lo, 50);
  EXPECT_EQ(hi, 150);
  EXPECT_EQ(r.at<cv::Vec3b>(7, 9), cv::Vec3b(50, 100, 150));
}

TEST(ImageLoading, UnreadableFilesAreClearErrors) {
  TempDir dir("bad");
  std::ofstream(dir.path() / "broken.png") << "definitely not a png";
  try {
    load_rgb_image((dir.path() / "broken.png").string());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.png"), std::string::npos);
  }
  EXPECT_THROW(load_rgb_image((dir.path() / "missing.png").string()), std::runtime_error);
}

TEST(MaskLoading, BinarisedCroppedAndSizeChecked) {
  TempDir dir("mask");
  cv::Mat m = cv::Mat::zeros(20, 20, CV_8UC1);
  m(cv::Rect(4, 6, 3, 2)).setTo(255);
  write_image(dir.path() / "m.png", m);
  write_image(dir.path() / "i.png", cv::Mat(20, 20, CV_8UC3, cv::Scalar(0, 0, 0)));
  write_image(dir.path() / "small.png", cv::Mat(10, 20, CV_8UC3, cv::Scalar(0, 0, 0)));
  // same size, crop 16 (offset 2): the block moves to (2, 4)
  cv::Mat a = load_mask((dir.path() / "m.png").string(), (dir.path() / "i.png").string(), 20, 16);
  ASSERT_EQ(a.size(), cv::Size(16, 16));
  EXPECT_EQ(cv::countNonZero(a), 6);
  EXPECT_EQ(a.at<uchar>(4, 2), 1);
  EXPECT_EQ(a.at<uchar>(5, 4), 1);
  EXPECT_EQ(a.at<uchar>(3, 2), 0);
  double hi;
  cv::minMaxLoc(a, nullptr, &hi);
  EXPECT_EQ(hi, 1.0);
  // upscaled 2x: covers the scaled block, bicubic ringing adds at most a 2-pixel rim (> 0 keeps it, as the
  // reference)
  cv::Mat up = load_mask((dir.path() / "m.png").string(), "", 40, 40);
  EXPECT_EQ(up.at<uchar>(13, 9), 1);
  EXPECT_EQ(up.at<uchar>(15, 13), 1);
  EXPECT_EQ(up.at<uchar>(30, 30), 0);
  EXPECT_LE(cv::countNonZero(up), (6 + 4) * (4 + 4));
  EXPECT_GE(cv::countNonZero(up), 6 * 4);
  // no mask: zeros
  EXPECT_EQ(cv::countNonZero(load_mask("", "", 20, 16)), 0);
  try {
    load_mask((dir.path() / "m.png").string(), (dir.path() / "small.png").string(), 20, 16);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("m.png"), std::string::npos);
    EXPECT_NE(what.find("small.png"), std::string::npos);
  }
}
