// report.html and report.json from a hand-made replay; the staging folder.
#include <glib.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>

#include "report.h"
#include "staging_dir.h"
#include "temp_dir.h"

using namespace decodiff::replay;

namespace {

ReplayReport make_report(ThumbnailKeeper*& keeper_out) {
  static std::optional<ThumbnailKeeper> keeper;
  const VideoLabels labels = parse_csv_labels("d,2,4,1,1,1,3,3\nn,6,9,0\n", "t.csv");
  ReplayReport r;
  VideoReplay v;
  v.video = "t.mp4";
  v.labels = judge_labels(labels, View{});
  v.seconds = 2;
  const float scores[] = {0.1f, 0.6f, 0.3f, 0.2f, 0.2f, 0.9f, 0.1f, 0.5f, 0.2f, 0.1f};
  for (int f = 0; f < 10; ++f)
    v.frames.push_back(FrameResult{f, scores[f], scores[f] >= 0.45f, 0.45f, 5.0 + f, false});
  r.videos.push_back(v);
  r.labels.push_back(labels);
  r.results_files.push_back("results-1.jsonl");
  r.threshold = 0.45f;
  r.run = {{"model", "m.safetensors"}, {"class", "nut<&>"}};
  r.sweep = sweep(r.videos);
  keeper.emplace(std::vector<std::optional<JudgedLabels>>{v.labels});
  const cv::Mat frame(40, 60, CV_8UC3, cv::Scalar(90, 120, 150));
  const cv::Mat map(8, 8, CV_32FC1, cv::Scalar(0.7));
  for (int f = 0; f < 10; ++f)
    if (keeper->wants(0, f, scores[f]))
      keeper->offer(0, f, scores[f],
                    compose_thumbnail(frame, map, cv::Rect(10, 5, 40, 30), boxes_at(labels, f), 60));
  r.thumbnails = &*keeper;
  keeper_out = &*keeper;
  return r;
}

}  // namespace

TEST(ReplayReport, JsonCountsAndParts) {
  ThumbnailKeeper* keeper = nullptr;
  const ReplayReport r = make_report(keeper);
  const auto j = report_json(r);
  EXPECT_EQ(j["counts"]["inspected_frames"], 10);
  EXPECT_EQ(j["counts"]["anomalous_frames"], 3);
  EXPECT_EQ(j["counts"]["detected_parts"], 0);     // the defective part peaks at 0.3
  EXPECT_EQ(j["counts"]["false_alarm_parts"], 1);  // the normal part reaches 0.5
  ASSERT_EQ(j["parts"].size(), 2u);
  EXPECT_EQ(j["parts"][0]["verdict"], "missed");
  EXPECT_EQ(j["parts"][1]["verdict"], "false alarm");
  EXPECT_EQ(j["parts"][1]["max_score_frame"], 7);
  EXPECT_EQ(j["threshold_source"], "element");
  EXPECT_TRUE(j["gate"].is_null());
  EXPECT_EQ(j["sweep"].size(), 3u);  // maxima 0.3 and 0.5
  // the kept thumbnails are each part's highest-scoring frame
  ASSERT_NE(keeper->of_part(0, 0), nullptr);
  EXPECT_EQ(keeper->of_part(0, 0)->frame, 2);
  EXPECT_EQ(keeper->of_part(0, 1)->frame, 7);
}

TEST(ReplayReport, HtmlIsSelfContained) {
  ThumbnailKeeper* keeper = nullptr;
  const ReplayReport r = make_report(keeper);
  const std::string html = report_html(r);
  EXPECT_EQ(html.find("http"), std::string::npos) << "nothing from the network";
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("nut&lt;&amp;&gt;"), std::string::npos) << "text is escaped";
  int images = 0;
  // (not std::regex: libstdc++'s recursive matcher overflows the stack on long data URIs)
  for (size_t at = html.find("<img"); at != std::string::npos; at = html.find("<img", at + 1)) {
    const size_t a = html.find("src=\"", at) + 5, b = html.find('"', a);
    ASSERT_LT(a, html.find('>', at));
    const std::string src = html.substr(a, b - a);
    ASSERT_EQ(src.rfind("data:image/png;base64,", 0), 0u) << src.substr(0, 40);
    gsize len = 0;
    guchar* bytes = g_base64_decode(src.c_str() + 22, &len);
    const cv::Mat decoded = cv::imdecode(std::vector<uchar>(bytes, bytes + len), cv::IMREAD_COLOR);
    g_free(bytes);
    ASSERT_FALSE(decoded.empty());
    cv::Scalar mean, stddev;
    cv::meanStdDev(decoded, mean, stddev);
    EXPECT_GT(stddev[0] + stddev[1] + stddev[2], 1.0) << "picture " << images << " is not blank";
    ++images;
  }
  // timeline, part strip, operating curve, latency histogram, 2 thumbnails (missed + false alarm)
  EXPECT_EQ(images, 6);
  EXPECT_NE(html.find("Missed defects"), std::string::npos);
  EXPECT_NE(html.find("part d, frame 2"), std::string::npos);
  EXPECT_NE(html.find("part n, frame 7"), std::string::npos);
}

TEST(ReplayReport, StagingFolderReplacesWholeOrNotAtAll) {
  decodiff::testing::TempDir tmp("replay-staging");
  const std::string dest = (tmp.path() / "report").string();
  {
    StagingDir s(dest);
    std::ofstream(std::filesystem::path(s.path()) / "report.json") << "{}";
    // not committed: nothing appears
  }
  EXPECT_FALSE(std::filesystem::exists(dest));
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
  {
    StagingDir s(dest);
    std::ofstream(std::filesystem::path(s.path()) / "report.json") << "{\"n\": 1}";
    s.commit();
  }
  {
    StagingDir s(dest);
    std::ofstream(std::filesystem::path(s.path()) / "report.json") << "{\"n\": 2}";
    s.commit();
  }
  std::ifstream in(std::filesystem::path(dest) / "report.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"n\": 2}");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), {}), 1) << "no leftovers";
  // a folder that is not a report is never replaced
  std::filesystem::create_directories(tmp.path() / "mine");
  std::ofstream(tmp.path() / "mine" / "notes.txt") << "keep";
  EXPECT_THROW(StagingDir((tmp.path() / "mine").string()), std::runtime_error);
}
