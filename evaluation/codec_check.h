// decodiff-eval --codec: how faithfully a codec (a VAE alone, or a model's VAE)
// reproduces test images, inside the painted defects and outside them
// (defect_measures.h): x0 = decode(encode(x)) against x, with the engine's
// pre-processing, per class and per defect kind. No UNet is involved.
#pragma once

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "dataset_index.h"
#include "defect_measures.h"
#include "evaluator.h"
#include "nn/autoencoder_kl.h"

namespace decodiff::evaluation {

// The codec under test.
class Reconstructor {
 public:
  virtual ~Reconstructor() = default;
  virtual int resize() const = 0;  // pre-processing: resize x resize ...
  virtual int crop() const = 0;    // ... then the center crop x crop
  // x: [B, 3, crop, crop] float in [-1, 1] on the CPU; returns x0, same shape.
  virtual at::Tensor reconstruct(const at::Tensor& x) = 0;
};

// A KL autoencoder as the engine runs it: z = mean(encode(x)) * scaling_factor,
// x0 = decode(z / scaling_factor).
class VaeReconstructor : public Reconstructor {
 public:
  VaeReconstructor(nn::AutoencoderKL vae, int resize, int crop, at::Device device = at::kCPU);
  int resize() const override { return resize_; }
  int crop() const override { return crop_; }
  at::Tensor reconstruct(const at::Tensor& x) override;

 private:
  nn::AutoencoderKL vae_;
  int resize_, crop_;
  at::Device device_;
};

// The engine's CPU pre-processing of one RGB (CV_8UC3) image: Pillow-exact
// bicubic resize to resize x resize, center crop, [-1, 1]. Returns [3, crop, crop].
at::Tensor preprocess_rgb(const cv::Mat& rgb, int resize, int crop);

struct CodecCheckOptions {
  int batch = 8;       // images per codec call
  int max_images = 0;  // per class, evenly spread over the sorted test images (spread_subset); 0 = all
};

struct CodecDefectRow {
  std::string class_name, defect;
  DefectMeasures measures;
};

struct CodecCheckResult {
  std::vector<std::string> classes;       // classes with test images, in the dataset's order
  std::vector<DefectMeasures> per_class;  // same order
  std::vector<CodecDefectRow> per_defect;
  DefectMeasures mean;  // mean over the classes
  uint64_t images = 0;
  double seconds = 0.0;
};

// Runs the codec over every test image (normal and defective). Throws
// std::runtime_error on a set without test images or an unreadable file.
CodecCheckResult check_codec(Reconstructor& codec, const data::DatasetIndex& index,
                             const CodecCheckOptions& options, const ProgressFn& progress = nullptr);

// The table (rows: classes and their defect kinds, then mean; PSNR in dB,
// errors in [0, 1] pixel units) and the JSON report (`run` as given).
std::string format_codec_table(const CodecCheckResult& result);
nlohmann::json codec_report_json(const CodecCheckResult& result, const nlohmann::json& run);

}  // namespace decodiff::evaluation
