// decodiff-eval end to end with the tiny golden model (random weights, 64 px
// crop): outputs, agreement with decodiff-infer, calibration, errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "decodiff_config.h"
#include "eval_test_util.h"
#include "metrics/classification.h"
#include "model_file.h"
#include "test_data.h"

namespace fs = std::filesystem;
using eval_test::run_command;

namespace {

const std::string kEval = eval_test::tool("tools/eval/decodiff-eval");
const std::string kInfer = eval_test::tool("tools/infer/decodiff-infer");
const std::string kModel = decodiff::testing::golden_path("tiny_model.safetensors");

// The tiny model resizes to 72 and crops 64: 72 px images skip the resize.
std::vector<eval_test::WrittenImage> small_dataset(const fs::path& root) {
  return eval_test::write_dataset(root, {"alpha", "beta"}, 72, 3, 3, 2);
}

std::string shell_quote(const fs::path& p) { return "'" + p.string() + "'"; }

std::map<std::string, double> read_scores_csv(const fs::path& file) {
  std::map<std::string, double> scores;
  std::istringstream lines(eval_test::read_file(file));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    const size_t comma = line.rfind(',');
    scores[line.substr(0, line.find(','))] = std::stod(line.substr(comma + 1));
  }
  return scores;
}

nlohmann::json infer(const std::string& model, const std::string& image, const std::string& cls,
                     const fs::path& scratch) {
  const auto r = run_command(kInfer + " --device cpu --model " + shell_quote(model) + " --image " +
                                 shell_quote(image) + " --class " + cls,
                             scratch);
  EXPECT_EQ(r.rc, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST(EvalCli, WritesTableReportScoresAndPictures) {
  eval_test::TempDir tmp("eval-cli-run");
  const auto written = small_dataset(tmp.path() / "data");
  const fs::path out = tmp.path() / "out";
  const auto r = run_command(kEval + " --device cpu --batch 4 --model " + shell_quote(kModel) + " --data " +
                                 shell_quote(tmp.path() / "data") + " --out " + shell_quote(out),
                             tmp.path());
  ASSERT_EQ(r.rc, 0) << r.err;
  // Progress reached the end.
  EXPECT_NE(r.err.find("test 10/10 images (100%)"), std::string::npos) << r.err;

  const nlohmann::json report = nlohmann::json::parse(eval_test::read_file(out / "report.json"));
  EXPECT_EQ(report.at("class_order"), (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(report.at("run").at("crop").get<int>(), 64);
  // Table on stdout == report.json, cell by cell.
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_NE(line.find("I-AUROC"), std::string::npos);
  eval_test::expect_table_rows_match_report(lines, report, 3);
  // The second table: per class and defect kind, codec fidelity and selectivity.
  EXPECT_NE(r.out.find("alpha/crack"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("select."), std::string::npos) << r.out;
  ASSERT_EQ(report.at("defects").size(), 2u);
  for (const char* cls : {"alpha", "beta"}) {
    const nlohmann::json& c = report.at("classes").at(cls);
    EXPECT_GT(c.at("codec").at("psnr_db").get<double>(), 0.0) << cls;
    EXPECT_EQ(c.at("codec").at("images").get<int>(), 5) << cls;
    EXPECT_EQ(c.at("selectivity").at("outside_cells").get<int>() > 0, true) << cls;
    EXPECT_GT(c.at("selectivity").at("correction_outside").get<double>(), 0.0) << cls;
  }
  // One defect kind per class: its row has the class's image AUROC.
  EXPECT_EQ(report.at("defects").at(0).at("image").at("auroc"),
            report.at("classes").at("alpha").at("image").at("auroc"));

  // scores.csv: every test image; its score is decodiff-infer's on the same image,
  // and the image metrics in the report are those of these scores.
  const auto scores = read_scores_csv(out / "scores.csv");
  ASSERT_EQ(scores.size(), written.size());
  std::vector<float> alpha_scores;
  std::vector<uint8_t> alpha_labels;
  for (const auto& w : written) {
    if (w.class_name != "alpha") continue;
    alpha_scores.push_back(static_cast<float>(scores.at(w.path)));
    alpha_labels.push_back(w.anomalous);
  }
  EXPECT_NEAR(report.at("classes").at("alpha").at("image").at("auroc").get<double>(),
              decodiff::metrics::auroc(alpha_scores, alpha_labels), 1e-12);
  const auto& probe = written.back();  // a beta defect
  const nlohmann::json single = infer(kModel, probe.path, probe.class_name, tmp.path() / "infer");
  EXPECT_NEAR(single.at("score").get<double>(), scores.at(probe.path), 1e-5);
  EXPECT_TRUE(single.at("anomalous").is_null());  // the golden model is not calibrated

  // Pictures: a panel per image here (4 anomalous + 6 normal <= 8 per class), five plots.
  const auto& panels = report.at("pictures").at("panels");
  EXPECT_EQ(panels.size(), 10u);
  for (const auto& p : panels) {
    const cv::Mat img = cv::imread((out / p.get<std::string>()).string());
    ASSERT_FALSE(img.empty()) << p;
    EXPECT_EQ(img.size(), cv::Size(4 * 256 + 5 * 6, 30 + 256 + 52)) << p;
  }
  for (const char* plot : {"image_roc", "image_pr", "pixel_roc", "pixel_pr", "pro"}) {
    const cv::Mat img = cv::imread((out / "plots" / (std::string(plot) + ".png")).string());
    EXPECT_EQ(img.size(), cv::Size(1040, 680)) << plot;
  }
}

TEST(EvalCli, CodecCheckOfAModelFileAgreesWithTheEvaluation) {
  eval_test::TempDir tmp("eval-cli-codec");
  small_dataset(tmp.path() / "data");
  const auto codec =
      run_command(kEval + " --device cpu -q --codec " + shell_quote(kModel) + " --data " +
                      shell_quote(tmp.path() / "data") + " --out " + shell_quote(tmp.path() / "c"),
                  tmp.path() / "c-log");
  ASSERT_EQ(codec.rc, 0) << codec.err;
  EXPECT_NE(codec.out.find("alpha/crack"), std::string::npos) << codec.out;
  const nlohmann::json c = nlohmann::json::parse(eval_test::read_file(tmp.path() / "c" / "codec.json"));
  EXPECT_EQ(c.at("run").at("crop").get<int>(), 64);
  EXPECT_EQ(c.at("run").at("geometry_from"), "model file");
  const auto eval =
      run_command(kEval + " --device cpu -q --no-pictures --model " + shell_quote(kModel) + " --data " +
                      shell_quote(tmp.path() / "data") + " --out " + shell_quote(tmp.path() / "e"),
                  tmp.path() / "e-log");
  ASSERT_EQ(eval.rc, 0) << eval.err;
  const nlohmann::json e = nlohmann::json::parse(eval_test::read_file(tmp.path() / "e" / "report.json"));
  for (const char* cls : {"alpha", "beta"})
    for (const char* key : {"psnr_db", "error_inside", "error_outside"})
      EXPECT_NEAR(c.at("classes").at(cls).at(key).get<double>(),
                  e.at("classes").at(cls).at("codec").at(key).get<double>(), 1e-5)
          << cls << " " << key;

  const auto none = run_command(kEval + " --data " + shell_quote(tmp.path() / "data"), tmp.path() / "n-log");
  EXPECT_NE(none.rc, 0);
  EXPECT_NE(none.err.find("--model or --codec"), std::string::npos) << none.err;
}

TEST(EvalCli, CalibrationGoesIntoTheModelAndDecodiffInferUsesIt) {
  eval_test::TempDir tmp("eval-cli-calib");
  const auto written = small_dataset(tmp.path() / "data");
  const fs::path model = tmp.path() / "model.safetensors";
  fs::copy_file(kModel, model);
  ASSERT_FALSE(decodiff::read_model_config(model.string()).calibration.image_threshold.has_value());

  const auto r = run_command(kEval + " --device cpu --no-pictures --calibrate --model " + shell_quote(model) +
                                 " --data " + shell_quote(tmp.path() / "data") + " --out " +
                                 shell_quote(tmp.path() / "out"),
                             tmp.path());
  ASSERT_EQ(r.rc, 0) << r.err;
  const nlohmann::json report =
      nlohmann::json::parse(eval_test::read_file(tmp.path() / "out" / "report.json"));
  const nlohmann::json& cal = report.at("calibration");
  EXPECT_EQ(cal.at("method"), "f1-optimal");
  const auto cfg = decodiff::read_model_config(model.string());
  ASSERT_TRUE(cfg.calibration.image_threshold && cfg.calibration.pixel_threshold);
  EXPECT_EQ(*cfg.calibration.image_threshold, cal.at("image_threshold").get<double>());
  EXPECT_EQ(*cfg.calibration.pixel_threshold, cal.at("pixel_threshold").get<double>());
  EXPECT_EQ(cfg.calibration.method, "f1-optimal");

  // The F1-optimal image threshold over the pooled scores of scores.csv.
  const auto scores = read_scores_csv(tmp.path() / "out" / "scores.csv");
  std::vector<float> s;
  std::vector<uint8_t> l;
  for (const auto& w : written) {
    s.push_back(static_cast<float>(scores.at(w.path)));
    l.push_back(w.anomalous);
  }
  EXPECT_EQ(*cfg.calibration.image_threshold, decodiff::metrics::f1_optimal_threshold(s, l));
  // ... and per class, over that class's scores.
  for (const std::string cls : {"alpha", "beta"}) {
    std::vector<float> cs;
    std::vector<uint8_t> cl;
    for (const auto& w : written)
      if (w.class_name == cls) cs.push_back(static_cast<float>(scores.at(w.path))), cl.push_back(w.anomalous);
    ASSERT_TRUE(cfg.calibration.per_class.count(cls)) << cls;
    EXPECT_EQ(*cfg.calibration.for_class(cls).image_threshold,
              decodiff::metrics::f1_optimal_threshold(cs, cl))
        << cls;
  }

  // decodiff-infer now answers anomalous = score >= its class's threshold (it
  // printed null before): checked on the highest- and the lowest-scoring image
  // (each infer run loads the model, so not on all of them).
  const auto by_score = std::minmax_element(
      written.begin(), written.end(),
      [&](const auto& a, const auto& b) { return scores.at(a.path) < scores.at(b.path); });
  for (const auto* w : {&*by_score.first, &*by_score.second}) {
    const nlohmann::json j = infer(model.string(), w->path, w->class_name, tmp.path() / "infer");
    ASSERT_TRUE(j.at("anomalous").is_boolean()) << j.dump();
    const double class_threshold = *cfg.calibration.for_class(w->class_name).image_threshold;
    EXPECT_EQ(j.at("threshold").get<double>(), class_threshold);
    EXPECT_EQ(j.at("anomalous").get<bool>(), j.at("score").get<double>() >= class_threshold);
    EXPECT_NEAR(j.at("score").get<double>(), scores.at(w->path), 1e-5);
    // The top-scoring image is at or above any F1-optimal threshold.
    if (w == &*by_score.second) {
      EXPECT_TRUE(j.at("anomalous").get<bool>());
    }
  }
}

TEST(EvalCli, CalibrationOnTrainGoodIsANormalPercentile) {
  eval_test::TempDir tmp("eval-cli-calib-train");
  small_dataset(tmp.path() / "data");
  const fs::path model = tmp.path() / "model.safetensors";
  fs::copy_file(kModel, model);
  const auto r = run_command(kEval +
                                 " --device cpu --no-pictures --calibrate --calibration-split train "
                                 "--percentile 99 --classes alpha --model " +
                                 shell_quote(model) + " --data " + shell_quote(tmp.path() / "data") +
                                 " --out " + shell_quote(tmp.path() / "out"),
                             tmp.path());
  ASSERT_EQ(r.rc, 0) << r.err;
  std::vector<float> train_scores;
  for (int i = 0; i < 3; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%03d.png", i);
    train_scores.push_back(infer(kModel, (tmp.path() / "data" / "alpha" / "train" / "good" / name).string(),
                                 "alpha", tmp.path() / "infer")
                               .at("score")
                               .get<float>());
  }
  const auto cfg = decodiff::read_model_config(model.string());
  EXPECT_EQ(cfg.calibration.method, "normal-percentile");
  EXPECT_NEAR(*cfg.calibration.image_threshold, decodiff::metrics::percentile_threshold(train_scores, 99.0),
              1e-5);
  const nlohmann::json meta =
      nlohmann::json::parse(nlohmann::json::parse(eval_test::read_file(tmp.path() / "out" / "report.json"))
                                .at("calibration")
                                .dump());
  EXPECT_EQ(meta.at("split"), "train");
  EXPECT_EQ(meta.at("percentile").get<double>(), 99.0);
  EXPECT_EQ(meta.at("classes"), (std::vector<std::string>{"alpha"}));
}

namespace {

// Exit code != 0 and exactly one line on stderr that contains `needle`, after
// the one warning that the golden model (it has no fingerprint) gets when it loads.
void expect_one_line_error(const eval_test::CommandResult& r, const std::string& needle) {
  EXPECT_NE(r.rc, 0);
  std::string err = r.err;
  const std::string no_fingerprint = "decodiff-eval: warning: " + kModel + ": the model has no fingerprint";
  if (err.rfind(no_fingerprint, 0) == 0) err.erase(0, err.find('\n') + 1);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(err.rfind("decodiff-eval: error: ", 0), 0u) << r.err;
  EXPECT_NE(err.find(needle), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace

TEST(EvalCli, BadDataIsOneClearError) {
  eval_test::TempDir tmp("eval-cli-errors");
  auto eval = [&](const fs::path& data) {
    return run_command(kEval + " --device cpu --model " + shell_quote(kModel) + " --data " +
                           shell_quote(data) + " --out " + shell_quote(tmp.path() / "out"),
                       tmp.path() / "run");
  };
  // Empty folder.
  fs::create_directories(tmp.path() / "empty");
  expect_one_line_error(eval(tmp.path() / "empty"), "holds no images");
  // Missing folder.
  expect_one_line_error(eval(tmp.path() / "missing"), "does not exist");
  // Malformed: a defect image without its ground-truth mask.
  small_dataset(tmp.path() / "nomask");
  eval_test::remove_tree(tmp.path() / "nomask" / "beta" / "ground_truth");
  expect_one_line_error(eval(tmp.path() / "nomask"), "has no mask");
  // A mask whose size differs from its image.
  small_dataset(tmp.path() / "badmask");
  cv::imwrite((tmp.path() / "badmask" / "alpha" / "ground_truth" / "crack" / "001_mask.png").string(),
              cv::Mat::zeros(50, 60, CV_8UC1));
  expect_one_line_error(eval(tmp.path() / "badmask"), "001_mask.png");
  // A class the model does not know.
  eval_test::write_dataset(tmp.path() / "delta", {"alpha", "delta"}, 72, 1, 1, 1);
  expect_one_line_error(eval(tmp.path() / "delta"), "'delta'");
}
