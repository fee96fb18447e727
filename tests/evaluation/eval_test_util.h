// Tiny MVTec-layout datasets written by the tests, and running the command-line tools.
#pragma once

#include <sys/wait.h>
#include <unistd.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "paths.h"
#include "temp_dir.h"

namespace eval_test {

namespace fs = std::filesystem;

using decodiff::testing::remove_tree;        // not std::filesystem::remove_all (see temp_dir.h)
using TempDir = decodiff::testing::TempDir;  // a fresh folder, removed with its contents at the end

struct WrittenImage {
  std::string path;
  std::string class_name;
  std::string defect;
  bool anomalous = false;
  cv::Mat rgb;   // as written
  cv::Mat mask;  // 0/1, same size (zeros for normal images)
};

// <root>/<class>/{train/good, test/good, test/crack, ground_truth/crack} with
// `size` x `size` RGB images: random texture (fixed seed), brighter red inside
// the defect's rectangle; returns the test images in the order written.
inline std::vector<WrittenImage> write_dataset(const fs::path& root, const std::vector<std::string>& classes,
                                               int size, int train, int good, int defects,
                                               unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pixel(0, 150), coord(0, size / 2), extent(2, size / 3);
  std::vector<WrittenImage> out;
  auto image = [&](bool defect, cv::Mat* mask) {
    cv::Mat rgb(size, size, CV_8UC3);
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(pixel(rng), pixel(rng), pixel(rng));
    *mask = cv::Mat(size, size, CV_8UC1, cv::Scalar(0));  // a new buffer: callers keep the previous masks
    if (defect) {
      const cv::Rect r(coord(rng), coord(rng), extent(rng), extent(rng));
      (*mask)(r).setTo(1);
      for (int y = r.y; y < r.y + r.height; ++y)
        for (int x = r.x; x < r.x + r.width; ++x)
          rgb.at<cv::Vec3b>(y, x)[0] = static_cast<uint8_t>(100 + pixel(rng) * 0.6);
    }
    return rgb;
  };
  auto save_rgb = [](const fs::path& p, const cv::Mat& rgb) {
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    fs::create_directories(p.parent_path());
    cv::imwrite(p.string(), bgr);
  };
  for (const std::string& c : classes) {
    char name[32];
    cv::Mat mask;
    for (int i = 0; i < train; ++i) {
      std::snprintf(name, sizeof name, "%03d.png", i);
      save_rgb(root / c / "train" / "good" / name, image(false, &mask));
    }
    for (int i = 0; i < good; ++i) {
      std::snprintf(name, sizeof name, "%03d.png", i);
      const fs::path p = root / c / "test" / "good" / name;
      cv::Mat rgb = image(false, &mask);
      save_rgb(p, rgb);
      out.push_back({p.string(), c, "good", false, rgb, mask});
    }
    for (int i = 0; i < defects; ++i) {
      std::snprintf(name, sizeof name, "%03d.png", i);
      const fs::path p = root / c / "test" / "crack" / name;
      cv::Mat rgb = image(true, &mask);
      save_rgb(p, rgb);
      std::snprintf(name, sizeof name, "%03d_mask.png", i);
      fs::create_directories(root / c / "ground_truth" / "crack");
      cv::imwrite((root / c / "ground_truth" / "crack" / name).string(), mask * 255);
      out.push_back({p.string(), c, "crack", true, rgb, mask});
    }
  }
  return out;
}

struct CommandResult {
  int rc = -1;
  std::string out;
  std::string err;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

// Runs `command` through the shell, capturing stdout and stderr into files under `scratch`.
inline CommandResult run_command(const std::string& command, const fs::path& scratch) {
  fs::create_directories(scratch);
  const fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  const int status = std::system((command + " >" + out.string() + " 2>" + err.string()).c_str());
  CommandResult r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

inline std::string tool(const std::string& relative) { return decodiff::testing::build_path(relative); }

// The rows after the header of decodiff-eval's table (classes + mean, seven
// percentages each, then the selectivity) equal report.json rounded to one
// decimal, cell by cell; the table ends at the first empty line.
inline void expect_table_rows_match_report(std::istream& lines, const nlohmann::json& report,
                                           int expected_rows) {
  const char* keys[7][2] = {{"image", "auroc"}, {"image", "ap"},     {"image", "f1_max"}, {"pixel", "auroc"},
                            {"pixel", "ap"},    {"pixel", "f1_max"}, {"pixel", "aupro"}};
  int rows = 0;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) break;  // the per-defect table follows
    if (line[0] == '-') continue;
    std::istringstream cells(line);
    std::string name;
    cells >> name;
    const nlohmann::json& m = name == "mean" ? report.at("mean") : report.at("classes").at(name);
    for (int c = 0; c < 7; ++c) {
      double printed = 0;
      ASSERT_TRUE(cells >> printed) << line;
      const double value = m.at(keys[c][0]).at(keys[c][1]).get<double>();
      EXPECT_NEAR(printed, std::round(value * 1000.0) / 10.0, 1e-9) << name << " " << keys[c][1];
    }
    ++rows;
  }
  EXPECT_EQ(rows, expected_rows);
}

}  // namespace eval_test
