// SyntheticVideo / write_synthetic_video: labels consistent with the frames,
// determinism, the video files (OpenCV and, where installed, GStreamer read
// them back), errors.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "../../common/temp_dir.h"
#include "synth_video.h"

namespace data = decodiff::data;
namespace fs = std::filesystem;

namespace {

data::VideoOptions small_video() {
  data::VideoOptions o;
  o.seed = 5;
  o.category = "nut";
  o.width = 160;
  o.height = 120;
  o.parts = 4;
  o.defect_fraction = 0.5;
  o.part_size = 64;
  o.speed = 12;
  return o;
}

cv::Rect box_of(const nlohmann::json& j) {
  return {j[0].get<int>(), j[1].get<int>(), j[2].get<int>(), j[3].get<int>()};
}

bool have_program(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TEST(SynthVideo, LabelsAreConsistent) {
  const auto o = small_video();
  data::SyntheticVideo video(o);
  const auto& labels = video.labels();
  EXPECT_EQ(labels["frame_count"], video.frame_count());
  EXPECT_EQ(labels["width"], 160);
  EXPECT_EQ(labels["height"], 120);
  EXPECT_EQ(labels["category"], "nut");
  ASSERT_EQ(labels["parts"].size(), 4u);
  const cv::Rect frame(0, 0, 160, 120);
  int defective = 0, previous_enter = -1;
  for (const auto& part : labels["parts"]) {
    const bool is_defective = part["defective"].get<bool>();
    defective += is_defective;
    EXPECT_EQ(part["defect_kind"].is_null(), !is_defective);
    const int enter = part["enter_frame"], exit = part["exit_frame"];
    const int first = part["full_view"][0], last = part["full_view"][1];
    EXPECT_GT(enter, previous_enter) << "parts arrive in order";
    previous_enter = enter;
    EXPECT_TRUE(enter <= first && first <= last && last <= exit) << part.dump();
    EXPECT_LT(exit, video.frame_count());
    // A 64 px part at 12 px/frame is fully inside a 160 px frame for 8 or 9
    // frames (96 px of travel), depending on where its steps fall.
    EXPECT_TRUE(last - first + 1 == 8 || last - first + 1 == 9) << part.dump();
    ASSERT_EQ(part["frames"].size(), static_cast<size_t>(exit - enter + 1));
    int with_defect = 0;
    for (size_t k = 0; k < part["frames"].size(); ++k) {
      const auto& f = part["frames"][k];
      EXPECT_EQ(f["frame"], enter + static_cast<int>(k));
      const cv::Rect pb = box_of(f["part_box"]);
      EXPECT_GT(pb.area(), 0);
      EXPECT_EQ(pb & frame, pb) << "part box outside the frame";
      const int t = f["frame"];
      if (t >= first && t <= last) {
        EXPECT_GE(pb.width, 40) << "a fully visible nut is wide";
      }
      if (!is_defective) {
        EXPECT_FALSE(f.contains("defect_box"));
        continue;
      }
      if (f["defect_box"].is_null()) continue;
      ++with_defect;
      const cv::Rect db = box_of(f["defect_box"]);
      EXPECT_GT(db.area(), 0);
      EXPECT_EQ(db & frame, db) << "defect box outside the frame";
      // The defect can stick out of the outline only for a missing part.
      if (part["defect_kind"] != "missing_part") {
        EXPECT_EQ(db & pb, db);
      }
    }
    if (is_defective) {
      EXPECT_GE(with_defect, last - first + 1) << "defect visible whenever the part is";
    }
  }
  EXPECT_EQ(defective, 2);
}

// The defective video differs from the same video without defects exactly
// inside the labelled defect boxes.
TEST(SynthVideo, DefectBoxesAreWhereTheFramesDiffer) {
  auto o = small_video();
  o.category = "capsule";
  o.defect_fraction = 1.0;
  data::SyntheticVideo bad(o);
  o.defect_fraction = 0.0;
  data::SyntheticVideo good(o);
  ASSERT_EQ(bad.frame_count(), good.frame_count());
  int checked = 0;
  for (int t = 0; t < bad.frame_count(); t += 2) {
    cv::Mat inside(120, 160, CV_8UC1, cv::Scalar(0));
    std::vector<cv::Rect> boxes;
    for (const auto& part : bad.labels()["parts"])
      for (const auto& f : part["frames"])
        if (f["frame"] == t && !f["defect_box"].is_null()) boxes.push_back(box_of(f["defect_box"]));
    for (const auto& b : boxes) inside(b).setTo(255);
    cv::Mat diff;
    cv::absdiff(bad.frame(t), good.frame(t), diff);
    diff = diff.reshape(1, diff.rows * diff.cols);
    cv::reduce(diff, diff, 1, cv::REDUCE_MAX);
    diff = diff.reshape(1, 120);
    EXPECT_EQ(cv::countNonZero(diff & ~inside), 0) << "frame " << t << " differs outside the defect boxes";
    for (const auto& b : boxes) EXPECT_GT(cv::countNonZero(diff(b)), 0) << "frame " << t << " box " << b;
    checked += static_cast<int>(boxes.size());
  }
  EXPECT_GT(checked, 10);
}

TEST(SynthVideo, Deterministic) {
  const auto o = small_video();
  data::SyntheticVideo a(o), b(o);
  auto other = o;
  other.seed = 6;
  data::SyntheticVideo c(other);
  EXPECT_EQ(a.labels(), b.labels());
  for (int t : {0, 7, a.frame_count() - 1}) {
    EXPECT_EQ(cv::norm(a.frame(t), b.frame(t), cv::NORM_INF), 0) << t;
    EXPECT_GT(cv::norm(a.frame(t), c.frame(t), cv::NORM_L1), 0) << t;
  }
  EXPECT_THROW(a.frame(a.frame_count()), std::out_of_range);
}

TEST(SynthVideo, WritesReadableVideosPngsAndLabels) {
  decodiff::testing::TempDir tmp("video-files");
  auto o = small_video();
  o.parts = 2;
  for (const std::string name : {"clip.avi", "clip.mp4"}) {
    data::VideoOutput out;
    out.video = tmp.path() / name;
    out.labels = tmp.path() / (name + ".json");
    out.frames_dir = tmp.path() / (name + "-frames");
    const auto labels = data::write_synthetic_video(o, out);
    const int frames = labels["frame_count"];
    EXPECT_EQ(labels["fourcc"], name == "clip.avi" ? "MJPG" : "mp4v");
    std::ifstream lf(out.labels);
    EXPECT_EQ(nlohmann::json::parse(lf), labels);

    cv::VideoCapture cap(out.video.string(), cv::CAP_FFMPEG);
    ASSERT_TRUE(cap.isOpened()) << out.video;
    int read = 0;
    cv::Mat f;
    while (cap.read(f)) {
      EXPECT_EQ(f.size(), cv::Size(160, 120));
      ++read;
    }
    EXPECT_EQ(read, frames) << name;

    int pngs = 0;
    for (const auto& e : fs::directory_iterator(out.frames_dir)) pngs += e.path().extension() == ".png";
    EXPECT_EQ(pngs, frames);
    const cv::Mat first = cv::imread((out.frames_dir / "00000.png").string());
    EXPECT_EQ(cv::norm(first, data::SyntheticVideo(o).frame(0), cv::NORM_INF), 0);

    if (!have_program("gst-launch-1.0")) continue;
    // GStreamer's decodebin (what the demo uses) reads the file to the end.
    const fs::path raw = tmp.path() / (name + "-gst");
    fs::create_directories(raw);
    const std::string cmd =
        "gst-launch-1.0 -q filesrc location='" + out.video.string() +
        "' ! decodebin ! videoconvert ! video/x-raw,format=BGR ! multifilesink location='" +
        (raw / "%05d.raw").string() + "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    int buffers = 0;
    for (const auto& e : fs::directory_iterator(raw)) {
      ++buffers;
      EXPECT_EQ(fs::file_size(e.path()), 160u * 120u * 3u);
    }
    EXPECT_EQ(buffers, frames) << name << " through GStreamer";
  }
}

TEST(SynthVideo, ClearErrors) {
  decodiff::testing::TempDir tmp("video-errors");
  auto o = small_video();
  data::VideoOutput out;
  out.video = tmp.path() / "clip.webm";
  try {
    data::write_synthetic_video(o, out);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("clip.webm"), std::string::npos) << e.what();
  }
  const fs::path file = tmp.path() / "a-file";
  std::ofstream(file) << "x";
  out.video = file / "clip.avi";
  try {
    data::write_synthetic_video(o, out);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("a-file"), std::string::npos) << e.what();
  }
  o.category = "bottle";
  try {
    data::SyntheticVideo v(o);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("known:"), std::string::npos) << e.what();
  }
  o = small_video();
  o.part_size = 200;  // taller than the frame
  EXPECT_THROW(data::SyntheticVideo{o}, std::invalid_argument);
  o = small_video();
  o.width = 161;
  EXPECT_THROW(data::SyntheticVideo{o}, std::invalid_argument);
  o = small_video();
  o.defect_fraction = 1.5;
  EXPECT_THROW(data::SyntheticVideo{o}, std::invalid_argument);
}
