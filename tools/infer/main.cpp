// decodiff-infer: the engine on one image (docs/user-guide.md).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <iostream>

#include "../common/visualize.h"
#include "engine.h"
#include "error_text.h"
#include "io/safetensors.h"

namespace {

struct Args {
  std::string model, image, input_tensor, class_name = "0", device = "auto", precision = "fp32", dump,
                                          heatmap;
  int steps = 0;
  double threshold = -1;
};

int run(const Args& a) {
  using namespace decodiff;
  auto engine = Engine::load(a.model, {a.device, parse_precision(a.precision)});
  for (const std::string& warning : engine->load_warnings())
    std::cerr << "decodiff-infer: warning: " << warning << std::endl;
  const auto& cfg = engine->config();
  const int class_id = engine->resolve_class(a.class_name);
  const int crop = cfg.input.crop;

  at::Tensor input;
  if (!a.input_tensor.empty()) {
    auto content = io::read_safetensors(a.input_tensor);
    auto it = content.tensors.find("input");
    if (it == content.tensors.end())
      throw std::invalid_argument(a.input_tensor + ": no tensor named 'input'");
    input = it->second;
    if (input.dim() != 4 || input.size(0) != 1 || input.size(1) != 3 || input.size(2) != crop ||
        input.size(3) != crop)
      throw std::invalid_argument(a.input_tensor + ": tensor 'input' must be 1x3x" + std::to_string(crop) +
                                  "x" + std::to_string(crop));
    if (input.scalar_type() != at::kFloat)
      throw std::invalid_argument(a.input_tensor + ": tensor 'input' must be float32");
  } else {
    cv::Mat bgr;
    try {
      bgr = cv::imread(a.image, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
    }
    if (bgr.empty())
      throw std::invalid_argument(a.image + ": cannot read the image (missing file or unknown format)");
    InspectRequest req;
    req.frame =
        decodiff::color_view(bgr.data, bgr.cols, bgr.rows, static_cast<int64_t>(bgr.step), 3, 2, 1, 0);
    req.class_id = class_id;
    input = engine->preprocess({req});
  }

  const auto start = std::chrono::steady_clock::now();
  auto out = engine->run(input, at::tensor({int64_t{class_id}}), a.steps);
  const float score = out.maps.score[0].item<float>();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  std::optional<double> threshold = engine->image_threshold(class_id);
  if (a.threshold >= 0) threshold = a.threshold;
  nlohmann::json result = {{"score", score},
                           {"class", cfg.class_name(class_id)},
                           {"class_id", class_id},
                           {"anomalous", nullptr},
                           {"threshold", nullptr},
                           {"steps", a.steps > 0 ? a.steps : cfg.diffusion.reverse_steps},
                           {"device", engine->device().str()},
                           {"precision", to_string(engine->precision())},
                           {"latency_ms", ms}};
  if (threshold) {
    result["anomalous"] = score >= *threshold;
    result["threshold"] = *threshold;
  }

  if (!a.dump.empty()) {
    io::write_safetensors(a.dump, {{"input", out.input.to(at::kFloat)},
                                   {"latent", out.latent.to(at::kFloat)},
                                   {"latent_rec", out.latent_rec.to(at::kFloat)},
                                   {"image_x0", out.image_x0.to(at::kFloat)},
                                   {"image_rec", out.image_rec.to(at::kFloat)},
                                   {"anomaly_map", out.maps.fused[0].to(at::kFloat)}});
    result["dump"] = a.dump;
  }
  if (!a.heatmap.empty()) {
    auto rgb = tools::to_rgb_mat(out.input[0]);
    tools::write_rgb_png(a.heatmap, tools::heatmap_overlay(rgb, out.maps.fused[0]));
    result["heatmap"] = a.heatmap;
  }
  std::cout << result.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"decodiff-infer: score one image (or a ready tensor) with a DeCo-Diff model and print JSON"};
  Args a;
  app.add_option("--model", a.model, "model file (.safetensors)")->required()->check(CLI::ExistingFile);
  auto* image = app.add_option("--image", a.image, "image file (PNG, JPEG, ...), any size");
  auto* tensor = app.add_option(
      "--input-tensor", a.input_tensor,
      "safetensors file with tensor 'input' (1x3xCxC float32 in [-1,1]); skips pre-processing");
  image->excludes(tensor);
  app.add_option("--class", a.class_name, "class name or id (default 0)");
  app.add_option("--device", a.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--precision", a.precision, "fp32, fp16 (CUDA) or bf16")->capture_default_str();
  app.add_option("--steps", a.steps, "reverse steps R (2, 3, 4, 5 or 10; default: the model's)");
  app.add_option("--threshold", a.threshold, "image threshold (default: the model's calibration)");
  app.add_option("--dump", a.dump, "write input, latent, latent_rec, image_x0, image_rec, anomaly_map here");
  app.add_option("--heatmap", a.heatmap, "write the anomaly heatmap over the input crop (PNG)");
  try {
    app.parse(argc, argv);
    if (a.image.empty() && a.input_tensor.empty()) throw CLI::RequiredError("--image or --input-tensor");
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return run(a);
  } catch (const std::exception& e) {
    std::cerr << "decodiff-infer: error: " << decodiff::error_text(e) << std::endl;
    return 1;
  }
}
