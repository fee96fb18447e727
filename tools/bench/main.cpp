// decodiff-bench: how fast the engine runs, stage by stage (benchmarks/README.md).
#include <torch/cuda.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "bench_runner.h"
#include "error_text.h"
#include "regions_bench.h"

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

void print_row(const nlohmann::json& r) {
  std::cout << std::left << std::setw(8) << r["device"].get<std::string>() << std::setw(6)
            << r["precision"].get<std::string>() << std::setw(15) << r["layout"].get<std::string>()
            << std::setw(7) << (r["cuda_graphs"].get<bool>() ? "graph" : "eager") << std::right
            << std::setw(6) << r["batch"].get<int>() << std::fixed << std::setprecision(2) << std::setw(12)
            << r["ms_per_frame_median"].get<double>() << std::setw(12)
            << r["end_to_end"]["p95_ms"].get<double>() / r["batch"].get<int>() << std::setw(10)
            << r["frames_per_s"].get<double>() << std::setw(10) << std::setprecision(1)
            << r["flops_per_frame"].get<double>() * 1e-9 << std::setw(10) << r["gflops_per_s"].get<double>()
            << std::setw(10) << r["peak_memory_bytes"].get<double>() / (1 << 20) << "\n";
  const auto& st = r["stages"];
  std::cout << "    stages (median ms per batch): preprocess " << std::setprecision(2)
            << st["preprocess"]["median_ms"].get<double>() << ", encode "
            << st["encode"]["median_ms"].get<double>() << ", unet";
  for (const auto& u : st["unet_steps"]) std::cout << " " << u["median_ms"].get<double>();
  std::cout << ", decode x2 " << st["decode_both"]["median_ms"].get<double>() << ", map "
            << st["anomaly_map"]["median_ms"].get<double>() << ", download "
            << st["download"]["median_ms"].get<double>() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"decodiff-bench: milliseconds per frame, frames/s, FLOPs and memory of the DeCo-Diff engine"};
  std::string model, preset = "XS", device = "auto", precisions = "fp32", batches = "1", layouts = "auto",
                     json_out;
  int size = 256, steps = 0, iterations = 10, warmup = 2, threads = 0;
  std::string graph_modes = "off", frame_size;
  bool cudnn_benchmark = false, pinned_copies = false, compare_fp32 = false;
  app.add_option("--model", model, "model file; default: a random-weight --preset with the SD VAE")
      ->check(CLI::ExistingFile);
  app.add_option("--preset", preset, "UNet preset XS, S, M, L or XL (without --model)")
      ->capture_default_str();
  app.add_option("--size", size, "crop size in pixels (without --model)")->capture_default_str();
  app.add_option("--device", device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--precision", precisions, "comma-separated: fp32, fp16, bf16")->capture_default_str();
  app.add_option("--layout", layouts, "comma-separated: auto, contiguous, channels-last")
      ->capture_default_str();
  app.add_option("--cuda-graphs", graph_modes, "CUDA graphs for the correction, comma-separated: off, on")
      ->capture_default_str();
  app.add_flag("--cudnn-benchmark", cudnn_benchmark, "let cuDNN autotune its algorithms (CUDA)");
  app.add_flag("--pinned-copies", pinned_copies, "pinned host buffers and asynchronous copies (CUDA)");
  app.add_flag("--compare-fp32", compare_fp32,
               "also report each case's largest anomaly-map difference from plain fp32 (eager, contiguous)");
  app.add_option(
      "--frame-size", frame_size,
      "WxH of the uint8 camera frames fed to the pre-processing (default: the model's resize size)");
  app.add_option("--batch", batches, "comma-separated batch sizes")->capture_default_str();
  app.add_option("--steps", steps, "reverse steps R (default: the model's)");
  app.add_option("--iterations", iterations, "timed iterations per case")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed iterations first")->capture_default_str();
  app.add_option("--threads", threads, "CPU threads for LibTorch (0 = its default)");
  app.add_option("--json", json_out, "write all results as JSON here");
  std::string regions;
  app.add_option("--regions", regions,
                 "instead of the stage timing: comma-separated regions per frame (e.g. 1,4,8), each count "
                 "timed as one batched engine call against one call per region (what roi=\"...;...\" does)");
  CLI11_PARSE(app, argc, argv);

  try {
    using namespace decodiff;
    if (threads > 0) at::set_num_threads(threads);
    nlohmann::json report = {{"model", model.empty() ? "preset " + preset : model},
                             {"threads", at::get_num_threads()},
                             {"cases", nlohmann::json::array()}};
    int frame_w = 0, frame_h = 0;
    if (!frame_size.empty()) {
      char x = 0, tail = 0;
      if (std::sscanf(frame_size.c_str(), "%d%c%d%c", &frame_w, &x, &frame_h, &tail) != 3 || x != 'x' ||
          frame_w < 1 || frame_h < 1 || frame_w > 16384 || frame_h > 16384)
        throw std::invalid_argument("--frame-size takes WxH, e.g. 1920x1080, got '" + frame_size + "'");
    }
    // Every combination of precision, layout and graph mode, in that order.
    std::vector<EngineOptions> variants;
    for (const auto& p : split(precisions))
      for (const auto& l : split(layouts))
        for (const auto& g : split(graph_modes)) {
          if (g != "on" && g != "off") throw std::invalid_argument("--cuda-graphs takes off, on or off,on");
          variants.push_back(
              {device, parse_precision(p), parse_layout(l), g == "on", cudnn_benchmark, pinned_copies});
        }
    auto write_json = [&] {
      if (json_out.empty()) return;
      std::ofstream out(json_out);
      out << report.dump(2) << "\n";
      if (!out) throw std::runtime_error("cannot write " + json_out);
    };
    bool warned = false;  // every load of the model finds the same; say it once
    auto make_engine = [&](const EngineOptions& options) {
      auto engine = model.empty()
                        ? Engine::from_model(bench::preset_model(preset, size), options, "preset " + preset)
                        : Engine::load(model, options);
      for (const std::string& warning : engine->load_warnings())
        if (!warned) std::cerr << "decodiff-bench: warning: " << warning << std::endl;
      warned = true;
      return engine;
    };
    if (!regions.empty()) {
      auto engine = make_engine(variants.front());
      std::cout << "regions  batched ms/frame  per-region ms/frame  batched regions/s  per-region regions/s  "
                   "speed-up\n";
      for (const auto& n : split(regions)) {
        bench::RegionsCase c;
        c.regions = std::stoi(n);
        if (frame_w > 0) c.frame_width = frame_w, c.frame_height = frame_h;
        c.rounds = iterations;
        c.warmup = warmup;
        auto r = bench::run_regions(
            *engine, c, [](const std::string& msg) { std::cerr << "\r" << msg << "   " << std::flush; });
        std::cerr << "\r" << std::string(40, ' ') << "\r";
        std::cout << std::fixed << std::setprecision(1) << std::setw(7) << c.regions << std::setw(18)
                  << r["batched_ms_per_frame"]["median_ms"].get<double>() << std::setw(21)
                  << r["per_region_ms_per_frame"]["median_ms"].get<double>() << std::setw(19)
                  << r["batched_regions_per_s"].get<double>() << std::setw(22)
                  << r["per_region_regions_per_s"].get<double>() << std::setw(9) << std::setprecision(2)
                  << r["speedup"].get<double>() << "x\n";
        report["cases"].push_back(r);
        write_json();
      }
      return 0;
    }
    std::cout << "device  prec  layout         mode     batch  ms/frame  p95 ms/frame    frames/s  GFLOP/fr  "
                 " GFLOP/s  peak MiB\n";
    std::shared_ptr<Engine> fp32;
    if (compare_fp32) fp32 = make_engine({device, Precision::kFloat32, Layout::kContiguous});
    for (const auto& options : variants) {
      auto engine = make_engine(options);
      for (const auto& b : split(batches)) {
        bench::BenchCase c{std::stoi(b), options.precision, steps, warmup, iterations, frame_w, frame_h};
        auto r = bench::run_case(
            *engine, c, [](const std::string& msg) { std::cerr << "\r" << msg << "   " << std::flush; });
        std::cerr << "\r" << std::string(40, ' ') << "\r";
        print_row(r);
        if (fp32) {
          r["max_map_diff_vs_fp32"] = bench::max_map_difference(*engine, *fp32, c.batch);
          std::cout << "    anomaly maps vs fp32 eager: max |difference| " << std::scientific
                    << std::setprecision(2) << r["max_map_diff_vs_fp32"].get<double>() << std::fixed << "\n";
        }
        report["cases"].push_back(r);
        write_json();  // after every case: a run cut short keeps what it measured
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "decodiff-bench: error: " << decodiff::error_text(e) << std::endl;
    return 1;
  }
}
