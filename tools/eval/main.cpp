// decodiff-eval: the paper's seven metrics of a model on an MVTec-AD / VisA /
// decodiff-synth test set, threshold calibration, and visual reports
// (docs/evaluation.md).
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "dataset_index.h"
#include "decodiff_config.h"
#include "engine.h"
#include "engine_scorer.h"
#include "error_text.h"
#include "evaluator.h"
#include "report.h"

namespace {

namespace ev = decodiff::evaluation;
namespace fs = std::filesystem;

struct Args {
  std::string model, data, device = "auto", precision = "fp32", out = "decodiff-eval-out";
  std::vector<std::string> classes;
  int steps = 0, batch = 8, max_images = 0, normal_panels = 8;
  bool calibrate = false, no_pictures = false, quiet = false;
  std::string calibration_split = "test", calibration_method = "auto";
  double percentile = 99.5;
};

std::string duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  char buf[32];
  const long t = std::lround(s);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

// One line on stderr: rewritten in place on a terminal, otherwise printed every ~10% or 30 s.
class ProgressLine {
 public:
  explicit ProgressLine(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO)) {}
  void operator()(const ev::Progress& p) {
    if (quiet_) return;
    const double rate = p.seconds > 0 ? p.done / p.seconds : 0.0;
    const double eta = rate > 0 ? (p.total - p.done) / rate : NAN;
    const int percent = p.total ? static_cast<int>(100 * p.done / p.total) : 100;
    char line[160];
    std::snprintf(line, sizeof line, "decodiff-eval: %s %llu/%llu images (%d%%), %.2f images/s, ETA %s",
                  p.phase.c_str(), static_cast<unsigned long long>(p.done),
                  static_cast<unsigned long long>(p.total), percent, rate,
                  p.done == p.total ? "0s" : duration(eta).c_str());
    if (tty_) {
      std::fprintf(stderr, "\r%-100s", line);
      if (p.done == p.total) std::fprintf(stderr, "\n");
    } else if (p.done == p.total || percent / 10 != last_percent_ / 10 || p.seconds - last_seconds_ >= 30) {
      std::fprintf(stderr, "%s\n", line);
      last_percent_ = percent;
      last_seconds_ = p.seconds;
    }
    if (p.phase != phase_) {
      phase_ = p.phase;
      last_percent_ = percent;
    }
  }

 private:
  bool quiet_, tty_;
  int last_percent_ = -100;
  double last_seconds_ = 0.0;
  std::string phase_;
};

int run(const Args& a) {
  using namespace decodiff;
  const data::DatasetIndex index = data::index_dataset(a.data, a.classes);
  auto engine = Engine::load(a.model, {a.device, parse_precision(a.precision)});
  const ModelConfig& cfg = engine->config();
  ev::EngineScorer scorer(engine, a.steps);

  ev::EvaluationOptions opt;
  opt.batch = a.batch;
  opt.max_images = a.max_images;
  opt.pictures = !a.no_pictures;
  opt.normal_panels = a.normal_panels;
  opt.out_dir = a.out;
  opt.model_calibration = cfg.calibration;
  opt.calibration.enabled = a.calibrate;
  opt.calibration.split = a.calibration_split;
  opt.calibration.method = ev::parse_calibration_method(a.calibration_method);
  opt.calibration.percentile = a.percentile;
  fs::create_directories(a.out);

  ProgressLine progress(a.quiet);
  ev::EvaluationResult result = ev::evaluate(scorer, index, opt, [&](const ev::Progress& p) { progress(p); });

  const int steps = a.steps > 0 ? a.steps : cfg.diffusion.reverse_steps;
  const nlohmann::json run = {{"tool", std::string("decodiff-eval ") + DECODIFF_VERSION},
                              {"model", a.model},
                              {"model_classes", cfg.classes},
                              {"data", a.data},
                              {"layout", data::to_string(index.layout)},
                              {"device", engine->device().str()},
                              {"precision", to_string(engine->precision())},
                              {"reverse_steps", steps},
                              {"resize", cfg.input.resize},
                              {"crop", cfg.input.crop},
                              {"batch", a.batch},
                              {"max_images_per_class", a.max_images}};
  if (a.calibrate) {
    result.calibration["reverse_steps"] = steps;
    result.calibration["precision"] = to_string(engine->precision());
    result.calibration["tool"] = std::string("decodiff-eval ") + DECODIFF_VERSION;
  }
  const std::string table = ev::format_table(result);
  std::cout << table << std::flush;

  const std::string report_path = (fs::path(a.out) / "report.json").string();
  const std::string csv_path = (fs::path(a.out) / "scores.csv").string();
  ev::write_text_file(report_path, ev::report_json(result, run).dump(2) + "\n");
  ev::write_text_file(csv_path, ev::scores_csv(result));
  if (a.calibrate) {
    ev::write_model_calibration(a.model, result.calibration);
    std::fprintf(
        stderr,
        "decodiff-eval: calibrated %s (%s on the %s split): image_threshold %.6g, pixel_threshold %.6g\n",
        a.model.c_str(), result.calibration["method"].get<std::string>().c_str(), a.calibration_split.c_str(),
        result.calibration["image_threshold"].get<double>(),
        result.calibration["pixel_threshold"].get<double>());
  }
  const double rate = result.seconds > 0 ? result.images.size() / result.seconds : 0.0;
  std::fprintf(stderr, "decodiff-eval: %zu test images of %zu classes in %s (%.2f images/s on %s)\n",
               result.images.size(), result.classes.size(), duration(result.seconds).c_str(), rate,
               engine->device().str().c_str());
  std::fprintf(stderr, "decodiff-eval: report %s, scores %s", report_path.c_str(), csv_path.c_str());
  if (!result.plots.empty())
    std::fprintf(stderr, ", %zu panels in %s, plots in %s", result.panels.size(),
                 (fs::path(a.out) / "panels").string().c_str(), (fs::path(a.out) / "plots").string().c_str());
  std::fprintf(stderr, "\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "decodiff-eval: score a DeCo-Diff model on a test set (MVTec-AD, VisA 1cls split, decodiff-synth), "
      "print the "
      "paper's metrics per class, write report.json, scores.csv, per-image panels and curve plots, and "
      "optionally "
      "calibrate the model's thresholds"};
  app.footer(
      "\nExamples:\n"
      "  decodiff-eval --model model.safetensors --data mvtec --out eval-mvtec\n"
      "  decodiff-eval --model model.safetensors --data synth --classes nut,pcb --max-images 20 "
      "--no-pictures\n"
      "  decodiff-eval --model model.safetensors --data synth --calibrate --calibration-split train\n"
      "See docs/evaluation.md.");
  Args a;
  app.add_option("--model", a.model, "model file (.safetensors)")->required()->check(CLI::ExistingFile);
  app.add_option("--data", a.data, "dataset root (MVTec-AD layout, VisA with split_csv/1cls.csv)")
      ->required();
  app.add_option("--classes", a.classes, "comma-separated classes to evaluate (default: every class)")
      ->delimiter(',');
  app.add_option("--device", a.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--precision", a.precision, "fp32, fp16 (CUDA) or bf16")->capture_default_str();
  app.add_option("--steps", a.steps, "reverse steps R (2, 3, 4, 5 or 10; default: the model's)");
  app.add_option("--batch", a.batch, "images per engine call")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--out", a.out, "output folder (report.json, scores.csv, panels/, plots/)")
      ->capture_default_str();
  app.add_flag("--calibrate", a.calibrate,
               "compute image and pixel thresholds and write them into the model file");
  app.add_option("--calibration-split", a.calibration_split,
                 "test (the evaluated images) or train (train/good: normal images only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"test", "train"}));
  app.add_option("--calibration-method", a.calibration_method,
                 "auto (f1-optimal with anomalies, else normal-percentile), f1-optimal or normal-percentile")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "f1-optimal", "normal-percentile"}));
  app.add_option("--percentile", a.percentile, "percentile of normal scores for normal-percentile")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  app.add_flag("--no-pictures", a.no_pictures, "no panels and no plots");
  app.add_option("--max-images", a.max_images,
                 "at most N images per class and split, evenly spread (0 = all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--normal-panels", a.normal_panels, "panels of normal images per class")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-q,--quiet", a.quiet, "no progress line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return run(a);
  } catch (const std::exception& e) {
    std::cerr << "decodiff-eval: error: " << decodiff::error_text(e) << std::endl;
    return 1;
  }
}
