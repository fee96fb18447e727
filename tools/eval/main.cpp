// decodiff-eval: the paper's seven metrics of a model on an MVTec-AD / VisA /
// decodiff-synth test set, threshold calibration, and visual reports
// (docs/evaluation.md).
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "codec_check.h"
#include "dataset_index.h"
#include "decodiff_config.h"
#include "engine.h"
#include "engine_scorer.h"
#include "error_text.h"
#include "evaluator.h"
#include "fingerprint.h"
#include "io/safetensors.h"
#include "model_file.h"
#include "report.h"
#include "vae_source.h"

namespace {

namespace ev = decodiff::evaluation;
namespace fs = std::filesystem;

struct Args {
  std::string model, codec, data, device = "auto", precision = "fp32", out = "decodiff-eval-out";
  int resize = 0, crop = 0;  // --codec geometry (0: the file's)
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

struct Geometry {
  int resize = 0, crop = 0;
  std::string from;
};

// The pre-processing a codec is checked at when --resize / --crop are not given:
// a model file's own; a codec file's training size as the crop, resized from
// 9/8 of it (decodiff-train's default proportion, 288 -> 256).
Geometry codec_file_geometry(const std::string& path) {
  using namespace decodiff;
  try {
    const ModelConfig cfg = read_model_config(path);
    return {cfg.input.resize, cfg.input.crop, "model file"};
  } catch (const std::exception&) {
    // not a decodiff model file
  }
  std::string codec_meta;
  try {
    const auto content = io::read_safetensors(path);
    const auto it = content.metadata.find("decodiff_codec");
    if (it != content.metadata.end()) codec_meta = it->second;
  } catch (const std::exception&) {
    // a diffusers folder, or not a safetensors file: load_pretrained_vae says what is wrong
  }
  if (!codec_meta.empty()) {
    const nlohmann::json j = nlohmann::json::parse(codec_meta, nullptr, false);
    if (j.is_object() && j.contains("input") && j["input"].value("size", 0) > 0) {
      const int size = j["input"]["size"].get<int>();
      return {size + size / 8, size, "codec file (crop = input.size, resize = 9/8 of it)"};
    }
  }
  throw std::invalid_argument("'" + path +
                              "' carries no input geometry (neither a decodiff model file nor a " +
                              "codec file): give --resize and --crop");
}

// decodiff-eval --codec FILE: the codec alone (docs/evaluation.md, "Codec check").
int run_codec_check(const Args& a) {
  using namespace decodiff;
  const data::DatasetIndex index = data::index_dataset(a.data, a.classes);
  int resize = a.resize, crop = a.crop;
  std::string geometry = "options";
  if (resize == 0 || crop == 0) {
    const auto [file_resize, file_crop, from] = codec_file_geometry(a.codec);
    if (crop == 0) crop = file_crop;
    // A crop of another size keeps the file's resize / crop proportion.
    if (resize == 0) resize = file_resize * crop / file_crop;
    geometry = from;
  }
  if (crop > resize) throw std::invalid_argument("--crop must not exceed --resize");
  train::PretrainedVae vae = train::load_pretrained_vae(a.codec);
  ev::VaeReconstructor codec(vae.vae, resize, crop, resolve_device(a.device));
  ev::CodecCheckOptions opt;
  opt.batch = a.batch;
  opt.max_images = a.max_images;
  fs::create_directories(a.out);
  ProgressLine progress(a.quiet);
  const ev::CodecCheckResult result =
      ev::check_codec(codec, index, opt, [&](const ev::Progress& p) { progress(p); });
  const nlohmann::json run = {{"tool", std::string("decodiff-eval ") + DECODIFF_VERSION},
                              {"mode", "codec"},
                              {"codec", a.codec},
                              {"vae_channels", vae.config.block_out_channels},
                              {"latent_channels", vae.config.latent_channels},
                              {"downsampling", vae.vae->downsample_factor()},
                              {"data", a.data},
                              {"layout", data::to_string(index.layout)},
                              {"resize", resize},
                              {"crop", crop},
                              {"geometry_from", geometry},
                              {"device", resolve_device(a.device).str()},
                              {"max_images_per_class", a.max_images}};
  std::cout << ev::format_codec_table(result) << std::flush;
  const std::string report_path = (fs::path(a.out) / "codec.json").string();
  ev::write_text_file(report_path, ev::codec_report_json(result, run).dump(2) + "\n");
  ev::write_text_file((fs::path(a.out) / "codec.txt").string(), ev::format_codec_table(result));
  std::fprintf(stderr, "decodiff-eval: codec check of %llu test images in %s; report %s\n",
               static_cast<unsigned long long>(result.images), duration(result.seconds).c_str(),
               report_path.c_str());
  return 0;
}

int run(const Args& a) {
  using namespace decodiff;
  if (!a.codec.empty()) return run_codec_check(a);
  const data::DatasetIndex index = data::index_dataset(a.data, a.classes);
  auto engine = Engine::load(a.model, {a.device, parse_precision(a.precision)});
  for (const std::string& warning : engine->load_warnings())
    std::fprintf(stderr, "decodiff-eval: warning: %s\n", warning.c_str());
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
  const std::string defect_table = ev::format_defect_table(result);
  std::cout << table
            << "\nCodec fidelity (x0 = decode(encode(x)) vs x) and UNet selectivity (|z_rec - z|), "
               "inside the defects vs outside:\n"
            << defect_table << std::flush;
  ev::write_text_file((fs::path(a.out) / "defects.txt").string(), defect_table);

  const std::string report_path = (fs::path(a.out) / "report.json").string();
  const std::string csv_path = (fs::path(a.out) / "scores.csv").string();
  ev::write_text_file(report_path, ev::report_json(result, run).dump(2) + "\n");
  ev::write_text_file(csv_path, ev::scores_csv(result));
  if (a.calibrate) {
    ev::write_model_calibration(a.model, result.calibration);
    // The fingerprint is refreshed with the calibration (same probe class and seed when it had one).
    const auto& old = cfg.fingerprint;
    const bool keep = old && old->supported();
    add_model_fingerprint(a.model, engine->device().str(), keep ? old->class_name : "0",
                          keep ? old->seed : Fingerprint::kDefaultSeed,
                          std::string("decodiff-eval ") + DECODIFF_VERSION);
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
      "  decodiff-eval --codec models/codec.safetensors --data photos --out codec-photos\n"
      "See docs/evaluation.md.");
  Args a;
  auto* model = app.add_option("--model", a.model, "model file (.safetensors)")->check(CLI::ExistingFile);
  auto* codec = app.add_option("--codec", a.codec,
                               "codec check instead: a VAE (diffusers folder or file) or a model file's VAE, "
                               "alone, inside vs outside the defects")
                    ->check(CLI::ExistingPath);
  model->excludes(codec);
  app.add_option("--resize", a.resize, "--codec: resize (default: the model file's)")
      ->check(CLI::PositiveNumber);
  app.add_option("--crop", a.crop, "--codec: center crop (default: the model file's)")
      ->check(CLI::PositiveNumber);
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
    if (a.model.empty() && a.codec.empty()) throw CLI::RequiredError("--model or --codec");
    if (!a.codec.empty() && a.calibrate)
      throw CLI::ValidationError("--calibrate", "needs --model, not --codec");
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
