#include "evaluator.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <stdexcept>

#include "curves.h"
#include "image_loading.h"
#include "panels.h"
#include "plots.h"

namespace decodiff::evaluation {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct LoadedBatch {
  std::vector<cv::Mat> images;  // RGB, original size
  std::vector<cv::Mat> masks;   // 0/1, crop x crop
};

LoadedBatch load_batch(const std::vector<data::Sample>& samples, size_t begin, size_t end, int resize,
                       int crop) {
  LoadedBatch b;
  for (size_t i = begin; i < end; ++i) {
    const data::Sample& s = samples[i];
    b.images.push_back(data::load_rgb_image(s.image));
    b.masks.push_back(s.mask.empty() ? cv::Mat::zeros(crop, crop, CV_8UC1)
                                     : data::load_mask(s.mask, s.image, resize, crop));
  }
  return b;
}

// Scores `samples` in batches (loading the next batch while the scorer works on
// this one) and calls on_result(sample, scored, mask) for each image, in order.
template <typename WantPictures, typename OnResult>
void score_samples(Scorer& scorer, const std::vector<data::Sample>& samples,
                   const std::vector<int>& model_ids, int batch, WantPictures want_pictures,
                   OnResult on_result, const std::function<void(size_t)>& tick) {
  const size_t n = samples.size();
  const size_t step = static_cast<size_t>(std::max(1, batch));
  const int resize = scorer.resize(), crop = scorer.crop();
  std::future<LoadedBatch> next;
  if (n)
    next = std::async(std::launch::async, load_batch, std::cref(samples), 0, std::min(step, n), resize, crop);
  for (size_t begin = 0; begin < n; begin += step) {
    const size_t end = std::min(begin + step, n);
    LoadedBatch b = next.get();
    if (end < n)
      next = std::async(std::launch::async, load_batch, std::cref(samples), end, std::min(end + step, n),
                        resize, crop);
    std::vector<int> ids(model_ids.begin() + begin, model_ids.begin() + end);
    bool pictures = false;
    for (size_t i = begin; i < end; ++i) pictures = pictures || want_pictures(i);
    std::vector<ScoredImage> scored = scorer.score(b.images, ids, pictures);
    if (scored.size() != end - begin)
      throw std::runtime_error("the scorer returned a wrong number of results");
    for (size_t i = begin; i < end; ++i) {
      const ScoredImage& r = scored[i - begin];
      if (r.map.type() != CV_32FC1 || r.map.rows != crop || r.map.cols != crop || !r.map.isContinuous())
        throw std::runtime_error("the scorer returned a map that is not " + std::to_string(crop) + "x" +
                                 std::to_string(crop) + " float");
      on_result(i, r, b.masks[i - begin]);
    }
    if (tick) tick(end - begin);
  }
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string percent(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * v);
  return buf;
}

std::string safe_name(std::string s) {
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  return s.empty() ? "_" : s;
}

struct PendingPanel {
  std::string stem;      // stash path without extension
  std::string relative;  // final file, relative to out_dir
  size_t class_index;
};

}  // namespace

std::vector<data::Sample> spread_subset(const std::vector<data::Sample>& samples, int max_images) {
  const size_t n = samples.size();
  if (max_images <= 0 || static_cast<size_t>(max_images) >= n) return samples;
  const size_t m = static_cast<size_t>(max_images);
  std::vector<data::Sample> out;
  out.reserve(m);
  for (size_t i = 0; i < m; ++i) out.push_back(samples[i * n / m]);
  return out;
}

EvaluationResult evaluate(Scorer& scorer, const data::DatasetIndex& index, const EvaluationOptions& options,
                          const ProgressFn& progress) {
  if (index.test.empty()) {
    if (index.layout == data::Layout::kFolder)
      throw std::runtime_error(
          "'" + index.root +
          "' holds no test split (a plain folder of images); decodiff-eval needs the MVTec-AD "
          "layout (<class>/test/<defect>/, <class>/ground_truth/<defect>/) or VisA's split_csv");
    throw std::runtime_error("'" + index.root + "' has no test images");
  }
  if (options.batch < 1) throw std::invalid_argument("batch size must be >= 1");

  // Classes with test images, in the dataset's class order, and their ids in the model.
  std::map<std::string, std::vector<data::Sample>> test_by_class, train_by_class;
  for (const data::Sample& s : index.test) test_by_class[s.class_name].push_back(s);
  for (const data::Sample& s : index.train) train_by_class[s.class_name].push_back(s);
  EvaluationResult result;
  std::vector<int> model_class;
  const std::vector<std::string>& known = scorer.classes();
  for (const std::string& c : index.classes) {
    if (!test_by_class.count(c)) continue;
    const auto it = std::find(known.begin(), known.end(), c);
    if (it == known.end()) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      throw std::invalid_argument("class '" + c + "' of the dataset is not one of the model's classes (" +
                                  list + ")");
    }
    result.classes.push_back(c);
    model_class.push_back(static_cast<int>(it - known.begin()));
  }
  const int crop = scorer.crop();
  const bool pictures = options.pictures && !options.out_dir.empty();
  const fs::path out_dir(options.out_dir);
  if (pictures) {
    fs::create_directories(out_dir / "panels" / ".pending");
    fs::create_directories(out_dir / "plots");
  }

  // Calibration on the train split runs first, so its thresholds draw the panels.
  const CalibrationOptions& cal = options.calibration;
  std::unique_ptr<CalibrationCollector> collector;
  if (cal.enabled && cal.split != "test" && cal.split != "train")
    throw std::invalid_argument("calibration split must be 'test' or 'train', not '" + cal.split + "'");
  std::vector<std::vector<data::Sample>> test_samples;
  uint64_t test_total = 0, test_anomalous = 0;
  for (const std::string& c : result.classes) {
    test_samples.push_back(spread_subset(test_by_class[c], options.max_images));
    test_total += test_samples.back().size();
    for (const data::Sample& s : test_samples.back()) test_anomalous += s.anomalous ? 1 : 0;
  }
  if (cal.enabled && cal.split == "train") {
    std::vector<data::Sample> samples;
    std::vector<int> ids;
    for (size_t k = 0; k < result.classes.size(); ++k) {
      for (const data::Sample& s : spread_subset(train_by_class[result.classes[k]], options.max_images)) {
        samples.push_back(s);
        ids.push_back(model_class[k]);
      }
    }
    if (samples.empty()) throw std::runtime_error("'" + index.root + "' has no train images to calibrate on");
    const CalibrationMethod method = resolve_calibration_method(cal.method, samples.size(), 0);
    collector = std::make_unique<CalibrationCollector>(
        method, cal.percentile, samples.size() * uint64_t(crop) * crop, cal.max_pixel_samples);
    const auto start = Clock::now();
    uint64_t done = 0;
    score_samples(
        scorer, samples, ids, options.batch, [](size_t) { return false; },
        [&](size_t i, const ScoredImage& r, const cv::Mat& mask) {
          collector->add(samples[i].class_name, r.score, false, r.map.ptr<float>(), mask.ptr<uint8_t>(), crop,
                         crop);
        },
        [&](size_t n) {
          done += n;
          if (progress) progress({"calibration", done, samples.size(), seconds_since(start)});
        });
    result.calibration = collector->compute();
    result.calibration_seconds = seconds_since(start);
    collector.reset();
  } else if (cal.enabled) {
    const CalibrationMethod method = resolve_calibration_method(cal.method, test_total, test_anomalous);
    collector = std::make_unique<CalibrationCollector>(
        method, cal.percentile, test_total * uint64_t(crop) * crop, cal.max_pixel_samples);
  }

  // The test split, class by class.
  std::vector<PendingPanel> pending;
  std::set<std::string> panel_names;
  std::vector<PixelCurveSketch> sketches;
  std::vector<std::vector<float>> class_scores;
  std::vector<std::vector<uint8_t>> class_labels;
  const auto start = Clock::now();
  uint64_t done = 0;
  for (size_t k = 0; k < result.classes.size(); ++k) {
    const std::string& class_name = result.classes[k];
    const std::vector<data::Sample>& samples = test_samples[k];
    std::vector<data::Sample> normal;
    for (const data::Sample& s : samples)
      if (!s.anomalous) normal.push_back(s);
    std::set<std::string> normal_panel_images;
    for (const data::Sample& s : spread_subset(normal, std::max(0, options.normal_panels))) {
      if (options.normal_panels > 0) normal_panel_images.insert(s.image);
    }
    auto wants_panel = [&](size_t i) {
      return pictures && (samples[i].anomalous || normal_panel_images.count(samples[i].image) > 0);
    };

    ClassMetricsAccumulator acc;
    DefectMeasuresAccumulator measures;
    std::map<std::string, ClassMetricsAccumulator> by_defect;  // normal images go into every kind
    for (const data::Sample& s : samples)
      if (s.anomalous) by_defect[s.defect];
    sketches.emplace_back();
    PixelCurveSketch& sketch = sketches.back();
    std::vector<int> ids(samples.size(), model_class[k]);
    score_samples(
        scorer, samples, ids, options.batch, wants_panel,
        [&](size_t i, const ScoredImage& r, const cv::Mat& mask) {
          const data::Sample& s = samples[i];
          const float* map = r.map.ptr<float>();
          const uint8_t* m = s.mask.empty() ? nullptr : mask.ptr<uint8_t>();
          acc.add(r.score, s.anomalous, map, m, crop, crop);
          measures.add(s.defect, r.codec, r.latent_correction, mask);
          if (s.anomalous)
            by_defect.at(s.defect).add(r.score, true, map, m, crop, crop);
          else
            for (auto& kind : by_defect) kind.second.add(r.score, false, map, m, crop, crop);
          if (pictures) sketch.add(map, m, crop, crop);
          if (collector) collector->add(class_name, r.score, s.anomalous, map, m, crop, crop);
          result.images.push_back({s.image, class_name, s.defect, s.anomalous, r.score});
          if (wants_panel(i)) {
            if (r.input.empty() || r.reconstruction.empty())
              throw std::runtime_error("the scorer returned no pictures for a panel");
            const std::string base = fs::path(s.image).stem().string();
            std::string rel =
                "panels/" + safe_name(class_name) + "/" + safe_name(s.defect) + "/" + safe_name(base);
            std::string candidate = rel + ".png";
            for (int n = 2; panel_names.count(candidate); ++n)
              candidate = rel + "_" + std::to_string(n) + ".png";
            panel_names.insert(candidate);
            const std::string stem =
                (out_dir / "panels" / ".pending" / std::to_string(pending.size())).string();
            PanelContent content{
                r.input,
                r.reconstruction,
                mask,
                r.map,
                class_name + " / " + s.defect + " / " + fs::path(s.image).filename().string(),
                r.score,
                s.anomalous};
            stash_panel(stem, content);
            pending.push_back({stem, candidate, k});
          }
        },
        [&](size_t n) {
          done += n;
          if (progress) progress({"test", done, test_total, seconds_since(start)});
        });
    class_scores.push_back(acc.scores());
    class_labels.push_back(acc.labels());
    result.per_class.push_back(acc.compute());
    result.per_class_measures.push_back(measures.for_class());
    for (const auto& [defect, m] : measures.per_defect())
      result.per_defect.push_back({class_name, defect, by_defect.at(defect).compute(), m});
  }
  result.seconds = seconds_since(start);
  result.mean = mean_metrics(result.per_class);
  result.measures_mean = mean_measures(result.per_class_measures);

  if (collector) {
    result.calibration = collector->compute();
    if (result.calibration["method"] == "f1-optimal")
      for (size_t k = 0; k < result.classes.size(); ++k)
        if (std::isfinite(result.per_class[k].pixel_f1_threshold))
          result.calibration["per_class"][result.classes[k]]["pixel_threshold"] =
              result.per_class[k].pixel_f1_threshold;
  }
  if (cal.enabled) {
    result.calibration["split"] = cal.split;
    result.calibration["data"] =
        fs::path(index.root).lexically_normal().filename().string().empty()
            ? fs::path(index.root).lexically_normal().parent_path().filename().string()
            : fs::path(index.root).lexically_normal().filename().string();
    result.calibration["layout"] = data::to_string(index.layout);
    result.calibration["classes"] = result.classes;
    result.calibration["max_images_per_class"] = options.max_images;
    result.calibration["created"] = utc_now();
  }

  if (!pictures) return result;

  // Panels, now that the thresholds are known.
  // Each class's own thresholds where the calibration has them, as the engine applies them.
  decodiff::Calibration panel_calibration = options.model_calibration;
  result.panel_threshold_source = panel_calibration.pixel_threshold ? "model" : "per-class F1max";
  if (!result.calibration.is_null()) {
    panel_calibration = decodiff::Calibration::from_json(result.calibration, "the new calibration");
    result.panel_threshold_source = "calibration";
  }
  for (const PendingPanel& p : pending) {
    const MetricSet& m = result.per_class[p.class_index];
    const decodiff::Thresholds t = panel_calibration.for_class(result.classes[p.class_index]);
    const std::optional<double> image_thr = t.image_threshold, pixel_thr = t.pixel_threshold;
    const double px =
        pixel_thr ? *pixel_thr : (std::isfinite(m.pixel_f1_threshold) ? m.pixel_f1_threshold : 1.0);
    const double im =
        image_thr ? *image_thr : (std::isfinite(m.image_f1_threshold) ? m.image_f1_threshold : -1.0);
    const PanelContent content = load_stashed_panel(p.stem);
    const fs::path file = out_dir / p.relative;
    fs::create_directories(file.parent_path());
    bool ok = false;
    try {
      ok = cv::imwrite(file.string(), render_panel(content, px, im));
    } catch (const cv::Exception&) {
    }
    if (!ok) throw std::runtime_error("cannot write '" + file.string() + "'");
    remove_stashed_panel(p.stem);
    result.panels.push_back(p.relative);
  }
  // Empty by now; fs::remove_all is avoided on purpose (libtorch.so exports a
  // copy of it that crashes when it wins symbol resolution).
  std::error_code ec;
  fs::remove(out_dir / "panels" / ".pending", ec);

  // Curves: one line per class, the exact metric in the legend.
  const size_t nc = result.classes.size();
  auto label = [&](size_t k, const char* metric, double MetricSet::*field) {
    return result.classes[k] + "  " + metric + " " + percent(result.per_class[k].*field);
  };
  struct PlotJob {
    const char* file;
    PlotSpec spec;
  };
  std::vector<PlotJob> jobs;
  PlotSpec image_roc{"Image-level ROC (mean I-AUROC " + percent(result.mean.image_auroc) + ")",
                     "false positive rate",
                     "true positive rate",
                     1.0,
                     1.0,
                     true,
                     {}};
  PlotSpec image_pr{"Image-level precision-recall (mean I-AP " + percent(result.mean.image_ap) + ")",
                    "recall",
                    "precision",
                    1.0,
                    1.0,
                    false,
                    {}};
  PlotSpec pixel_roc{"Pixel-level ROC (mean P-AUROC " + percent(result.mean.pixel_auroc) + ")",
                     "false positive rate",
                     "true positive rate",
                     1.0,
                     1.0,
                     true,
                     {}};
  PlotSpec pixel_pr{"Pixel-level precision-recall (mean P-AP " + percent(result.mean.pixel_ap) + ")",
                    "recall",
                    "precision",
                    1.0,
                    1.0,
                    false,
                    {}};
  PlotSpec pro{"Per-region overlap up to FPR 0.3 (mean AUPRO " + percent(result.mean.aupro) + ")",
               "false positive rate",
               "per-region overlap",
               0.3,
               1.0,
               false,
               {}};
  for (size_t k = 0; k < nc; ++k) {
    image_roc.series.push_back(
        {label(k, "AUROC", &MetricSet::image_auroc), roc_points(class_scores[k], class_labels[k])});
    image_pr.series.push_back(
        {label(k, "AP", &MetricSet::image_ap), pr_points(class_scores[k], class_labels[k])});
    pixel_roc.series.push_back({label(k, "AUROC", &MetricSet::pixel_auroc), sketches[k].roc()});
    pixel_pr.series.push_back({label(k, "AP", &MetricSet::pixel_ap), sketches[k].pr()});
    pro.series.push_back({label(k, "AUPRO", &MetricSet::aupro), sketches[k].pro(0.3)});
  }
  jobs.push_back({"plots/image_roc.png", image_roc});
  jobs.push_back({"plots/image_pr.png", image_pr});
  jobs.push_back({"plots/pixel_roc.png", pixel_roc});
  jobs.push_back({"plots/pixel_pr.png", pixel_pr});
  jobs.push_back({"plots/pro.png", pro});
  for (const PlotJob& j : jobs) {
    write_plot((out_dir / j.file).string(), j.spec);
    result.plots.push_back(j.file);
  }
  return result;
}

}  // namespace decodiff::evaluation
