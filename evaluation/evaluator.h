// decodiff-eval's work: score every test image of a dataset (one multi-class
// model, each image with its class), accumulate the paper's metrics per class,
// calibrate thresholds, and draw the pictures. The command-line tool only
// parses arguments and prints/writes what this returns (report.h).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "calibration.h"
#include "class_metrics.h"
#include "dataset_index.h"
#include "defect_measures.h"
#include "model_config.h"
#include "scorer.h"

namespace decodiff::evaluation {

struct EvaluationOptions {
  int batch = 8;          // images per engine call
  int max_images = 0;     // per class and split, evenly spread over the sorted samples; 0 = all
  bool pictures = true;   // panels and curve plots (needs out_dir)
  int normal_panels = 8;  // panels of normal test images per class (every anomalous image gets one)
  std::string out_dir;    // panels/ and plots/ go here; empty = no pictures
  // The model's existing calibration: draws the panels when no new calibration is computed.
  decodiff::Calibration model_calibration;
  CalibrationOptions calibration;
};

struct ImageRecord {
  std::string image;  // path as indexed
  std::string class_name;
  std::string defect;  // "good" for normal images
  bool anomalous = false;
  float score = 0.0f;
};

struct Progress {
  std::string phase;  // "calibration" (train split) or "test"
  uint64_t done = 0;
  uint64_t total = 0;
  double seconds = 0.0;  // since this phase started
};
using ProgressFn = std::function<void(const Progress&)>;

// One defect kind of one class: its images against the class's normal test images.
struct DefectKindResult {
  std::string class_name, defect;
  MetricSet metrics;        // image level: this kind's images vs the normal ones; pixel level: their pixels
  DefectMeasures measures;  // inside values from this kind, outside values from the whole class
};

struct EvaluationResult {
  std::vector<std::string> classes;  // evaluated classes, in the dataset's class order
  std::vector<MetricSet> per_class;  // same order
  MetricSet mean;
  std::vector<DefectMeasures> per_class_measures;  // codec fidelity and UNet selectivity, same order
  DefectMeasures measures_mean;                    // mean over the classes
  std::vector<DefectKindResult> per_defect;        // class by class, kinds sorted
  std::vector<ImageRecord> images;                 // every scored test image
  nlohmann::json calibration;  // the computed calibration section (null when not asked for)
  // Thresholds the panels were drawn with, and where they came from:
  // "calibration", "model" or "per-class F1max".
  std::string panel_threshold_source;
  std::vector<std::string> panels;   // files written (relative to out_dir)
  std::vector<std::string> plots;    // files written (relative to out_dir)
  double seconds = 0.0;              // scoring the test split
  double calibration_seconds = 0.0;  // scoring the train split (calibration on train)
};

// Checks first (one clear std::runtime_error / std::invalid_argument each):
// no test images, a class that the model does not know, a mask whose size
// differs from its image (raised when that image is loaded). Throws what the
// scorer throws.
EvaluationResult evaluate(Scorer& scorer, const data::DatasetIndex& index, const EvaluationOptions& options,
                          const ProgressFn& progress = nullptr);

// The subset of samples the --max-images rule keeps: m of n evenly spread
// (index floor(i*n/m)), all when max_images is 0 or >= n.
std::vector<data::Sample> spread_subset(const std::vector<data::Sample>& samples, int max_images);

}  // namespace decodiff::evaluation
