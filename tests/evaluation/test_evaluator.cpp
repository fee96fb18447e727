// The evaluation logic with a stub scorer of known maps: the per-class numbers
// must be exactly what evaluation/metrics computes on the same maps, the table and the
// JSON must carry the same numbers, calibration must pick the documented
// thresholds, and the pictures must come out.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <set>
#include <sstream>

#include "calibration.h"
#include "curves.h"
#include "decodiff_config.h"
#include "eval_test_util.h"
#include "evaluator.h"
#include "io/safetensors.h"
#include "metrics/classification.h"
#include "metrics/pixel_curves.h"
#include "model_file.h"
#include "panels.h"
#include "report.h"
#include "test_data.h"

namespace ev = decodiff::evaluation;
namespace metrics = decodiff::metrics;
namespace fs = std::filesystem;
using eval_test::WrittenImage;

namespace {

constexpr int kSize = 32;

// The bytes after a safetensors file's header: the tensor data, as stored.
std::string tensor_data_bytes(const fs::path& p) {
  const std::string file = eval_test::read_file(p);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(file.at(i));
  return file.substr(8 + header_len);
}

// map = red channel / 255 (no resize: images are crop x crop), score = mean of
// the green channel / 255 (deliberately not the map's max, so that the test
// sees where the image score comes from).
class StubScorer : public ev::Scorer {
 public:
  const std::vector<std::string>& classes() const override { return classes_; }
  int resize() const override { return kSize; }
  int crop() const override { return kSize; }
  std::vector<ev::ScoredImage> score(const std::vector<cv::Mat>& images, const std::vector<int>& ids,
                                     bool want_pictures) override {
    std::vector<ev::ScoredImage> out;
    for (size_t i = 0; i < images.size(); ++i) {
      calls.push_back(ids[i]);
      out.push_back(expected(images[i]));
      if (!want_pictures) out.back().input = out.back().reconstruction = cv::Mat();
    }
    return out;
  }
  static ev::ScoredImage expected(const cv::Mat& rgb) {
    ev::ScoredImage r;
    std::vector<cv::Mat> ch;
    cv::split(rgb, ch);
    ch[0].convertTo(r.map, CV_32F, 1.0 / 255.0);
    r.score = static_cast<float>(cv::mean(ch[1])[0] / 255.0);
    r.input = rgb.clone();
    r.reconstruction = 255 - rgb;
    return r;
  }
  std::vector<int> calls;

 private:
  std::vector<std::string> classes_{"gamma", "alpha", "beta"};
};

struct Expected {
  std::vector<float> scores;
  std::vector<uint8_t> labels;
  metrics::PixelCurveAccumulator pixels;
};

}  // namespace

TEST(Evaluator, PerClassMetricsEqualCoreMetricsOnTheSameMaps) {
  eval_test::TempDir tmp("eval-stub-metrics");
  const auto written = eval_test::write_dataset(tmp.path() / "data", {"alpha", "beta"}, kSize, 2, 5, 4);
  const auto index = decodiff::data::index_dataset((tmp.path() / "data").string());
  StubScorer scorer;
  ev::EvaluationOptions opt;
  opt.batch = 3;  // batches straddle the good/defect boundary
  const ev::EvaluationResult r = ev::evaluate(scorer, index, opt);

  ASSERT_EQ(r.classes, (std::vector<std::string>{"alpha", "beta"}));
  // Model ids, not dataset ids: alpha is 1 and beta 2 in the stub's class list.
  EXPECT_EQ(std::set<int>(scorer.calls.begin(), scorer.calls.end()), (std::set<int>{1, 2}));
  EXPECT_EQ(scorer.calls.size(), written.size());

  std::map<std::string, Expected> expected;
  for (const WrittenImage& w : written) {
    const ev::ScoredImage s = StubScorer::expected(w.rgb);
    Expected& e = expected[w.class_name];
    e.scores.push_back(s.score);
    e.labels.push_back(w.anomalous);
    e.pixels.add(s.map.ptr<float>(), w.mask.ptr<uint8_t>(), kSize, kSize);
  }
  for (size_t k = 0; k < r.classes.size(); ++k) {
    Expected& e = expected[r.classes[k]];
    const ev::MetricSet& m = r.per_class[k];
    SCOPED_TRACE(r.classes[k]);
    EXPECT_EQ(m.images, 9u);
    EXPECT_EQ(m.anomalous_images, 4u);
    EXPECT_EQ(m.image_auroc, metrics::auroc(e.scores, e.labels));
    EXPECT_EQ(m.image_ap, metrics::average_precision(e.scores, e.labels));
    EXPECT_EQ(m.image_f1_max, metrics::f1_max(e.scores, e.labels).f1);
    EXPECT_EQ(m.image_f1_threshold, metrics::f1_max(e.scores, e.labels).threshold);
    const metrics::PixelMetrics p = e.pixels.compute();
    EXPECT_EQ(m.pixels, 9u * kSize * kSize);
    EXPECT_EQ(m.anomalous_pixels, p.num_anomalous_pixels);
    EXPECT_GT(m.anomalous_pixels, 0u);
    EXPECT_EQ(m.regions, 4u);
    EXPECT_NEAR(m.pixel_auroc, p.auroc, 1e-12);
    EXPECT_NEAR(m.pixel_ap, p.average_precision, 1e-12);
    EXPECT_NEAR(m.pixel_f1_max, p.f1_max, 1e-12);
    EXPECT_EQ(m.pixel_f1_threshold, p.f1_threshold);
    EXPECT_NEAR(m.aupro, p.aupro, 1e-12);
    EXPECT_NEAR(m.aupro_reference_approx, p.aupro_reference_approx, 1e-12);
    // The planted defects are brighter in red: the pixel metrics are well above chance.
    EXPECT_GT(m.pixel_auroc, 0.7);
  }
  EXPECT_DOUBLE_EQ(r.mean.image_auroc, (r.per_class[0].image_auroc + r.per_class[1].image_auroc) / 2);
  EXPECT_DOUBLE_EQ(r.mean.aupro, (r.per_class[0].aupro + r.per_class[1].aupro) / 2);
  EXPECT_TRUE(std::isnan(r.mean.image_f1_threshold));
  EXPECT_EQ(r.mean.images, 18u);

  // One record per image, with its stub score.
  ASSERT_EQ(r.images.size(), written.size());
  std::map<std::string, float> by_path;
  for (const auto& rec : r.images) by_path[rec.image] = rec.score;
  for (const WrittenImage& w : written)
    EXPECT_EQ(by_path.at(w.path), StubScorer::expected(w.rgb).score) << w.path;
  EXPECT_TRUE(r.panels.empty());  // no out_dir: no pictures
}

TEST(Evaluator, TableAndJsonCarryTheSameNumbers) {
  eval_test::TempDir tmp("eval-stub-table");
  eval_test::write_dataset(tmp.path() / "data", {"alpha", "beta"}, kSize, 1, 3, 3);
  StubScorer scorer;
  const ev::EvaluationResult r = ev::evaluate(
      scorer, decodiff::data::index_dataset((tmp.path() / "data").string()), ev::EvaluationOptions{});
  const std::string table = ev::format_table(r);
  const nlohmann::json j = ev::report_json(r, {{"model", "stub"}});

  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.substr(0, 5), "class");
  for (const char* col : {"I-AUROC", "I-AP", "I-F1max", "P-AUROC", "P-AP", "P-F1max", "AUPRO"})
    EXPECT_NE(line.find(col), std::string::npos) << col;
  eval_test::expect_table_rows_match_report(lines, j, 3);
  EXPECT_EQ(j.at("table").at("rows").size(), 3u);
  EXPECT_NEAR(j.at("classes").at("beta").at("pixel").at("aupro_reference_approx").get<double>(),
              r.per_class[1].aupro_reference_approx, 1e-15);

  // scores.csv: header + one row per image, with the scores of the result.
  const std::string csv = ev::scores_csv(r);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "image,class,defect,label,score");
  EXPECT_EQ(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')), r.images.size() + 1);
  const auto& first = r.images.front();
  char row[64];
  std::snprintf(row, sizeof row, ",%s,%s,%d,%.9g\n", first.class_name.c_str(), first.defect.c_str(),
                first.anomalous ? 1 : 0, static_cast<double>(first.score));
  EXPECT_NE(csv.find(first.image + row), std::string::npos);
}

TEST(Evaluator, MaxImagesKeepsAnEvenSpreadPerClass) {
  std::vector<decodiff::data::Sample> s(10);
  for (int i = 0; i < 10; ++i) s[i].image = std::to_string(i);
  const auto sub = ev::spread_subset(s, 4);
  ASSERT_EQ(sub.size(), 4u);
  EXPECT_EQ(sub[0].image, "0");
  EXPECT_EQ(sub[1].image, "2");
  EXPECT_EQ(sub[2].image, "5");
  EXPECT_EQ(sub[3].image, "7");
  EXPECT_EQ(ev::spread_subset(s, 0).size(), 10u);
  EXPECT_EQ(ev::spread_subset(s, 20).size(), 10u);
}

TEST(Evaluator, CalibrationOnTheTestSplitIsThePooledF1Optimum) {
  eval_test::TempDir tmp("eval-stub-calib");
  const auto written = eval_test::write_dataset(tmp.path() / "data", {"alpha", "beta"}, kSize, 2, 4, 3);
  StubScorer scorer;
  ev::EvaluationOptions opt;
  opt.calibration.enabled = true;
  const ev::EvaluationResult r =
      ev::evaluate(scorer, decodiff::data::index_dataset((tmp.path() / "data").string()), opt);
  std::vector<float> scores;
  std::vector<uint8_t> labels;
  metrics::PixelCurveAccumulator pixels;
  for (const WrittenImage& w : written) {
    const auto s = StubScorer::expected(w.rgb);
    scores.push_back(s.score);
    labels.push_back(w.anomalous);
    pixels.add(s.map.ptr<float>(), w.mask.ptr<uint8_t>(), kSize, kSize);
  }
  EXPECT_EQ(r.calibration.at("method"), "f1-optimal");
  EXPECT_EQ(r.calibration.at("split"), "test");
  EXPECT_EQ(r.calibration.at("image_threshold").get<double>(), metrics::f1_optimal_threshold(scores, labels));
  EXPECT_EQ(r.calibration.at("pixel_threshold").get<double>(), pixels.compute().f1_threshold);
  EXPECT_EQ(r.calibration.at("images").get<int>(), 14);
  EXPECT_EQ(r.calibration.at("per_class").at("alpha").at("pixel_threshold").get<double>(),
            r.per_class[0].pixel_f1_threshold);
}

TEST(Evaluator, CalibrationOnTrainIsAPercentileOfNormalScores) {
  eval_test::TempDir tmp("eval-stub-pct");
  eval_test::write_dataset(tmp.path() / "data", {"alpha"}, kSize, 5, 2, 2);
  StubScorer scorer;
  ev::EvaluationOptions opt;
  opt.calibration.enabled = true;
  opt.calibration.split = "train";
  opt.calibration.percentile = 90.0;
  const ev::EvaluationResult r =
      ev::evaluate(scorer, decodiff::data::index_dataset((tmp.path() / "data").string()), opt);
  std::vector<float> scores, pixels;
  for (int i = 0; i < 5; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%03d.png", i);
    cv::Mat bgr = cv::imread((tmp.path() / "data" / "alpha" / "train" / "good" / name).string()), rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    const auto s = StubScorer::expected(rgb);
    scores.push_back(s.score);
    pixels.insert(pixels.end(), s.map.ptr<float>(), s.map.ptr<float>() + kSize * kSize);
  }
  EXPECT_EQ(r.calibration.at("method"), "normal-percentile");
  EXPECT_EQ(r.calibration.at("split"), "train");
  EXPECT_EQ(r.calibration.at("percentile").get<double>(), 90.0);
  EXPECT_EQ(r.calibration.at("image_threshold").get<double>(), metrics::percentile_threshold(scores, 90.0));
  EXPECT_EQ(r.calibration.at("pixel_threshold").get<double>(), metrics::percentile_threshold(pixels, 90.0));
  EXPECT_EQ(r.calibration.at("pixel_sample_stride").get<int>(), 1);
}

TEST(Evaluator, CalibrationSubsamplesPixelsWithAFixedStride) {
  ev::CalibrationCollector c(ev::CalibrationMethod::kNormalPercentile, 50.0, 4 * 100, 100);
  std::vector<float> map(100);
  for (int i = 0; i < 4; ++i) {
    for (int p = 0; p < 100; ++p) map[p] = static_cast<float>(i * 100 + p);
    c.add("a", 0.1f * i, false, map.data(), nullptr, 10, 10);
  }
  const nlohmann::json j = c.compute();
  EXPECT_EQ(j.at("pixel_sample_stride").get<int>(), 4);
  std::vector<float> kept;
  for (int v = 0; v < 400; v += 4) kept.push_back(static_cast<float>(v));
  EXPECT_EQ(j.at("pixel_threshold").get<double>(), metrics::percentile_threshold(kept, 50.0));
}

TEST(Evaluator, CalibrationMethodNeedsTheRightData) {
  EXPECT_EQ(ev::resolve_calibration_method(ev::CalibrationMethod::kAuto, 10, 3),
            ev::CalibrationMethod::kF1Optimal);
  EXPECT_EQ(ev::resolve_calibration_method(ev::CalibrationMethod::kAuto, 10, 0),
            ev::CalibrationMethod::kNormalPercentile);
  EXPECT_THROW(ev::resolve_calibration_method(ev::CalibrationMethod::kF1Optimal, 10, 0),
               std::invalid_argument);
  EXPECT_THROW(ev::resolve_calibration_method(ev::CalibrationMethod::kNormalPercentile, 3, 3),
               std::invalid_argument);
  EXPECT_THROW(ev::parse_calibration_method("median"), std::invalid_argument);
}

TEST(Evaluator, PicturesShowEveryAnomalousImageAndASampleOfNormalOnes) {
  eval_test::TempDir tmp("eval-stub-pictures");
  eval_test::write_dataset(tmp.path() / "data", {"alpha", "beta"}, kSize, 1, 5, 2);
  StubScorer scorer;
  ev::EvaluationOptions opt;
  opt.out_dir = (tmp.path() / "out").string();
  opt.normal_panels = 3;
  const ev::EvaluationResult r =
      ev::evaluate(scorer, decodiff::data::index_dataset((tmp.path() / "data").string()), opt);
  // 2 anomalous + 3 of 5 normal per class.
  ASSERT_EQ(r.panels.size(), 10u);
  EXPECT_EQ(r.panel_threshold_source, "per-class F1max");
  int normal = 0;
  for (const std::string& p : r.panels) {
    const cv::Mat img = cv::imread((tmp.path() / "out" / p).string());
    ASSERT_FALSE(img.empty()) << p;
    // four tiles of max(crop, 256) px with titles and a footer
    EXPECT_EQ(img.cols, 4 * 256 + 5 * 6) << p;
    EXPECT_EQ(img.rows, 30 + 256 + 52) << p;
    normal += p.find("/good/") != std::string::npos;
  }
  EXPECT_EQ(normal, 6);
  EXPECT_FALSE(fs::exists(tmp.path() / "out" / "panels" / ".pending"));
  ASSERT_EQ(r.plots.size(), 5u);
  for (const std::string& p : r.plots) {
    const cv::Mat img = cv::imread((tmp.path() / "out" / p).string());
    ASSERT_FALSE(img.empty()) << p;
    EXPECT_EQ(img.size(), cv::Size(1040, 680)) << p;
    // Something besides the white background and grey axes: the coloured curves.
    cv::Mat hsv;
    cv::cvtColor(img, hsv, cv::COLOR_BGR2HSV);
    std::vector<cv::Mat> ch;
    cv::split(hsv, ch);
    EXPECT_GT(cv::countNonZero(ch[1] > 100), 500) << p;
  }
}

TEST(Evaluator, PanelContourFollowsThePixelThreshold) {
  ev::PanelContent c;
  c.input = cv::Mat(64, 64, CV_8UC3, cv::Scalar(128, 128, 128));
  c.reconstruction = c.input.clone();
  c.mask = cv::Mat::zeros(64, 64, CV_8UC1);
  c.map = cv::Mat::zeros(64, 64, CV_32FC1);
  c.map(cv::Rect(16, 16, 16, 16)).setTo(0.9);
  c.caption = "test";
  // Magenta contour pixels appear only when the region passes the threshold.
  auto magenta = [](const cv::Mat& bgr) {
    cv::Mat m;
    cv::inRange(bgr, cv::Scalar(200, 0, 200), cv::Scalar(255, 60, 255), m);
    return cv::countNonZero(m);
  };
  EXPECT_GT(magenta(ev::render_panel(c, 0.5, -1)), 100);
  EXPECT_EQ(magenta(ev::render_panel(c, 0.95, -1)), 0);
}

TEST(Evaluator, CurvePointsMatchTheExactAreas) {
  const std::vector<float> s = {0.1f, 0.4f, 0.35f, 0.8f, 0.4f, 0.2f};
  const std::vector<uint8_t> l = {0, 0, 1, 1, 1, 0};
  const ev::CurvePoints roc = ev::roc_points(s, l);
  double area = 0;
  for (size_t i = 1; i < roc.x.size(); ++i) area += (roc.x[i] - roc.x[i - 1]) * (roc.y[i] + roc.y[i - 1]) / 2;
  EXPECT_NEAR(area, metrics::auroc(s, l), 1e-12);
  EXPECT_EQ(roc.x.back(), 1.0);
  EXPECT_EQ(roc.y.back(), 1.0);
  const ev::CurvePoints pr = ev::pr_points(s, l);
  double ap = 0;
  for (size_t i = 1; i < pr.x.size(); ++i) ap += (pr.x[i] - pr.x[i - 1]) * pr.y[i];
  EXPECT_NEAR(ap, metrics::average_precision(s, l), 1e-12);
}

TEST(Evaluator, ErrorsAreOneClearMessage) {
  eval_test::TempDir tmp("eval-stub-errors");
  StubScorer scorer;
  // A class the model does not know.
  eval_test::write_dataset(tmp.path() / "delta", {"delta"}, kSize, 1, 1, 1);
  try {
    ev::evaluate(scorer, decodiff::data::index_dataset((tmp.path() / "delta").string()), {});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("class 'delta'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gamma, alpha, beta"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(scorer.calls.empty());  // refused before scoring anything
  // A mask whose size differs from its image.
  eval_test::write_dataset(tmp.path() / "bad", {"alpha"}, kSize, 1, 1, 1);
  cv::imwrite((tmp.path() / "bad" / "alpha" / "ground_truth" / "crack" / "000_mask.png").string(),
              cv::Mat::zeros(20, 24, CV_8UC1));
  try {
    ev::evaluate(scorer, decodiff::data::index_dataset((tmp.path() / "bad").string()), {});
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("000_mask.png"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("24x20"), std::string::npos) << e.what();
  }
}

TEST(Evaluator, WritingTheCalibrationKeepsTheTensorsAndTheRestOfTheMetadata) {
  eval_test::TempDir tmp("eval-calib-file");
  const fs::path model = tmp.path() / "model.safetensors";
  fs::copy_file(decodiff::testing::golden_path("tiny_model.safetensors"), model);
  fs::permissions(model, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const nlohmann::json cal = {{"image_threshold", 0.8125},
                              {"pixel_threshold", 0.5},
                              {"method", "f1-optimal"},
                              {"split", "test"},
                              {"images", 12}};
  ev::write_model_calibration(model.string(), cal);
  const decodiff::ModelConfig cfg = decodiff::read_model_config(model.string());
  ASSERT_TRUE(cfg.calibration.image_threshold.has_value());
  EXPECT_EQ(*cfg.calibration.image_threshold, 0.8125);
  EXPECT_EQ(*cfg.calibration.pixel_threshold, 0.5);
  EXPECT_EQ(cfg.calibration.method, "f1-optimal");
  EXPECT_EQ(cfg.classes, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  const auto before =
      decodiff::io::read_safetensors(decodiff::testing::golden_path("tiny_model.safetensors"));
  const auto after = decodiff::io::read_safetensors(model.string());
  ASSERT_EQ(before.tensors.size(), after.tensors.size());
  for (const auto& [name, t] : before.tensors) ASSERT_TRUE(t.equal(after.tensors.at(name))) << name;
  EXPECT_TRUE(tensor_data_bytes(model) ==
              tensor_data_bytes(decodiff::testing::golden_path("tiny_model.safetensors")));  // byte for byte
  EXPECT_EQ(fs::status(model).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const nlohmann::json meta = nlohmann::json::parse(after.metadata.at("decodiff"));
  EXPECT_EQ(meta.at("calibration").at("images").get<int>(), 12);  // provenance kept
  // No temporary file is left beside the model.
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 1);
  // Calibrating again replaces the section.
  ev::write_model_calibration(model.string(),
                              {{"image_threshold", 0.25}, {"pixel_threshold", 0.2}, {"method", "x"}});
  EXPECT_EQ(*decodiff::read_model_config(model.string()).calibration.image_threshold, 0.25);
  // A file that is not a model is refused and left alone.
  const fs::path junk = tmp.path() / "junk.safetensors";
  { std::ofstream(junk) << "not a model"; }
  EXPECT_THROW(ev::write_model_calibration(junk.string(), cal), std::runtime_error);
  EXPECT_EQ(eval_test::read_file(junk), "not a model");
}
