// The two labels formats (docs/replay.md): what they read, and one clear error per kind of bad file.
#include <gtest/gtest.h>

#include <stdexcept>

#include "labels.h"

using namespace decodiff::replay;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ReplayLabels, CsvRowsWithHeaderCommentsAndBox) {
  const VideoLabels l = parse_csv_labels(
      "# a line of nuts\npart,first,last,defective,x,y,w,h\n A7 , 3, 5, 0\nB2,4,6,1,10,20,30,40\nC,9,9,1\n",
      "l.csv");
  ASSERT_EQ(l.parts.size(), 3u);
  EXPECT_EQ(l.format, LabelsFormat::kCsv);
  EXPECT_FALSE(l.frame_count.has_value());
  EXPECT_EQ(l.parts[0].id, "A7");
  EXPECT_FALSE(l.parts[0].defective);
  ASSERT_EQ(l.parts[0].frames.size(), 3u);
  EXPECT_EQ(l.parts[0].frames.front().frame, 3);
  EXPECT_EQ(l.parts[0].frames.back().frame, 5);
  EXPECT_TRUE(l.parts[1].defective);
  ASSERT_TRUE(l.parts[1].frames[1].defect_box.has_value());
  EXPECT_EQ(l.parts[1].frames[1].defect_box->w, 30);
  EXPECT_EQ(l.parts[1].frames[1].defect_box->h, 40);
  EXPECT_FALSE(l.parts[2].frames[0].defect_box.has_value());
}

TEST(ReplayLabels, CsvErrorsNameTheLine) {
  EXPECT_NE(error_of([] { parse_csv_labels("1,0,4\n", "a.csv"); }).find("a.csv:1: expected 4 fields"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { parse_csv_labels("1,5,4,0\n", "a.csv"); }).find("a.csv:1: the last frame 4 is before"),
      std::string::npos);
  EXPECT_NE(error_of([] { parse_csv_labels("1,0,4,2\n", "a.csv"); }).find("defective must be 0 or 1"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_csv_labels("1,0,4,0\n1,5,6,1\n", "a.csv");
            }).find("a.csv:2: part '1' appears twice"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_csv_labels("1,-2,4,0\n", "a.csv"); }).find("non-negative integer"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_csv_labels("# nothing\n", "a.csv"); }).find("no parts"), std::string::npos);
}

TEST(ReplayLabels, SynthJson) {
  const VideoLabels l = parse_synth_labels(R"({"frame_count": 10, "width": 64, "height": 48, "parts": [
      {"id": 1, "defective": true, "defect_kind": "crack", "enter_frame": 2, "exit_frame": 4, "full_view": [3, 3],
       "frames": [{"frame": 2, "part_box": [0,1,2,3], "defect_box": null},
                  {"frame": 3, "part_box": [1,1,2,3], "defect_box": [1,2,1,1]},
                  {"frame": 4, "part_box": [2,1,2,3], "defect_box": [2,2,1,1]}]}]})",
                                           "v.json");
  EXPECT_EQ(l.format, LabelsFormat::kSynth);
  EXPECT_EQ(*l.frame_count, 10);
  EXPECT_EQ(l.width, 64);
  ASSERT_EQ(l.parts.size(), 1u);
  EXPECT_EQ(l.parts[0].id, "1");
  EXPECT_EQ(l.parts[0].defect_kind, "crack");
  ASSERT_EQ(l.parts[0].frames.size(), 3u);
  EXPECT_FALSE(l.parts[0].frames[0].defect_box.has_value());
  EXPECT_FALSE(l.parts[0].frames[0].full_view);
  EXPECT_TRUE(l.parts[0].frames[1].full_view);
  EXPECT_EQ(l.parts[0].frames[2].defect_box->x, 2);
}

TEST(ReplayLabels, SynthJsonErrors) {
  EXPECT_NE(error_of([] { parse_synth_labels("{", "v.json"); }).find("v.json: not JSON"), std::string::npos);
  EXPECT_NE(error_of([] { parse_synth_labels("{}", "v.json"); }).find("no 'parts' array"), std::string::npos);
  EXPECT_NE(error_of([] {
              parse_synth_labels(R"({"frame_count": 3, "width": 4, "height": 4, "parts": [{"id": 1,
                "defective": false, "frames": [{"frame": 3}]}]})",
                                 "v.json");
            }).find("beyond frame_count 3"),
            std::string::npos);
}

TEST(ReplayLabels, LabelsMustFitTheVideo) {
  VideoLabels synth =
      parse_synth_labels(R"({"frame_count": 10, "width": 4, "height": 4, "parts": []})", "v.json");
  EXPECT_NO_THROW(check_labels_fit(synth, 10, "clip.mp4"));
  EXPECT_NE(error_of([&] {
              check_labels_fit(synth, 12, "clip.mp4");
            }).find("a video of 10 frames, but clip.mp4 has 12"),
            std::string::npos);
  const VideoLabels csv = parse_csv_labels("7,8,20,1\n", "l.csv");
  EXPECT_NO_THROW(check_labels_fit(csv, 21, "clip.mp4"));
  EXPECT_NE(error_of([&] { check_labels_fit(csv, 15, "clip.mp4"); }).find("part '7' in frames 8-20"),
            std::string::npos);
}

TEST(ReplayLabels, CsvRowsSpanningMoreThanTheCapAreRefusedBeforeExpansion) {
  // one row of 2^31 frames would otherwise expand to 2^31 entries
  EXPECT_NE(error_of([] { parse_csv_labels("A,0,2147483647,0\n", "big.csv"); }).find("more than 1048576"),
            std::string::npos);
  // the cap counts all rows together: two rows of 2^19 + 1 frames each
  const std::string two = "A,0,524288,0\nB,0,524288,1\n";
  EXPECT_NE(error_of([&] { parse_csv_labels(two, "two.csv"); }).find("two.csv:2:"), std::string::npos);
  // exactly at the cap is accepted
  EXPECT_EQ(parse_csv_labels("A,0,1048575,0\n", "cap.csv").parts[0].frames.size(), 1048576u);
}
