#include "codec_check.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <map>
#include <stdexcept>

#include "image_loading.h"
#include "pillow_resize.h"
#include "preprocess.h"
#include "report.h"

namespace decodiff::evaluation {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json codec_json(const DefectMeasures& m) {
  const CodecFidelity& c = m.codec;
  return {{"psnr_db", number(c.psnr_db)},
          {"error_inside", number(c.error_inside)},
          {"error_outside", number(c.error_outside)},
          {"ratio", number(c.ratio)},
          {"images", c.images},
          {"inside_pixels", c.inside_pixels},
          {"outside_pixels", c.outside_pixels}};
}

}  // namespace

VaeReconstructor::VaeReconstructor(nn::AutoencoderKL vae, int resize, int crop, at::Device device)
    : vae_(std::move(vae)), resize_(resize), crop_(crop), device_(device) {
  if (crop < 1 || crop > resize) throw std::invalid_argument("the crop must be between 1 and the resize");
  if (crop % vae_->downsample_factor() != 0)
    throw std::invalid_argument("crop " + std::to_string(crop) +
                                " is not a multiple of the codec's downsampling " +
                                std::to_string(vae_->downsample_factor()));
  vae_->eval();
  vae_->to(device_);
}

at::Tensor VaeReconstructor::reconstruct(const at::Tensor& x) {
  c10::InferenceMode guard;
  const double s = vae_->config().scaling_factor;
  const at::Tensor z = vae_->encode_mean(x.to(device_)) * s;
  return vae_->decode(z / s).to(at::kCPU, at::kFloat);
}

at::Tensor preprocess_rgb(const cv::Mat& rgb, int resize, int crop) {
  if (rgb.type() != CV_8UC3 || rgb.empty()) throw std::invalid_argument("preprocess_rgb: 8-bit RGB expected");
  ImageView view;
  view.data = rgb.data;
  view.width = rgb.cols;
  view.height = rgb.rows;
  view.row_stride = static_cast<int64_t>(rgb.step);
  view.pixel_stride = 3;
  view.channels = 3;
  std::vector<uint8_t> resized = pillow_resize_bicubic(view, resize, resize);
  const at::Tensor t =
      at::from_blob(resized.data(), {1, resize, resize, 3}, at::TensorOptions().dtype(at::kByte))
          .permute({0, 3, 1, 2});
  return crop_normalize(t, crop)[0].clone();
}

CodecCheckResult check_codec(Reconstructor& codec, const data::DatasetIndex& index,
                             const CodecCheckOptions& options, const ProgressFn& progress) {
  if (index.test.empty()) throw std::runtime_error("'" + index.root + "' has no test images");
  if (options.batch < 1) throw std::invalid_argument("batch size must be >= 1");
  std::map<std::string, std::vector<data::Sample>> by_class;
  for (const data::Sample& s : index.test) by_class[s.class_name].push_back(s);
  std::vector<std::vector<data::Sample>> work;
  CodecCheckResult result;
  uint64_t total = 0;
  for (const std::string& c : index.classes) {
    if (!by_class.count(c)) continue;
    result.classes.push_back(c);
    work.push_back(spread_subset(by_class[c], options.max_images));
    total += work.back().size();
  }
  const int resize = codec.resize(), crop = codec.crop();
  const auto start = Clock::now();
  for (size_t k = 0; k < work.size(); ++k) {
    DefectMeasuresAccumulator acc;
    const std::vector<data::Sample>& samples = work[k];
    for (size_t begin = 0; begin < samples.size(); begin += static_cast<size_t>(options.batch)) {
      const size_t end = std::min(samples.size(), begin + static_cast<size_t>(options.batch));
      std::vector<at::Tensor> xs;
      std::vector<cv::Mat> masks;
      for (size_t i = begin; i < end; ++i) {
        const data::Sample& s = samples[i];
        xs.push_back(preprocess_rgb(data::load_rgb_image(s.image), resize, crop));
        masks.push_back(s.mask.empty() ? cv::Mat::zeros(crop, crop, CV_8UC1)
                                       : data::load_mask(s.mask, s.image, resize, crop));
      }
      const at::Tensor x = at::stack(xs);
      const at::Tensor x0 = codec.reconstruct(x);
      if (!x0.sizes().equals(x.sizes())) throw std::runtime_error("the codec returned a wrong shape");
      for (size_t i = begin; i < end; ++i) {
        const int64_t j = static_cast<int64_t>(i - begin);
        acc.add(samples[i].defect, codec_error(x[j], x0[j]), cv::Mat(), masks[i - begin]);
      }
      result.images += end - begin;
      if (progress)
        progress(
            {"codec", result.images, total, std::chrono::duration<double>(Clock::now() - start).count()});
    }
    result.per_class.push_back(acc.for_class());
    for (const auto& [defect, m] : acc.per_defect())
      result.per_defect.push_back({result.classes[k], defect, m});
  }
  result.mean = mean_measures(result.per_class);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

std::string format_codec_table(const CodecCheckResult& result) {
  std::vector<MeasuresRow> rows;
  for (size_t k = 0; k < result.classes.size(); ++k) {
    rows.push_back({result.classes[k], 0.0, 0.0, result.per_class[k]});
    for (const CodecDefectRow& d : result.per_defect)
      if (d.class_name == result.classes[k])
        rows.push_back({d.class_name + "/" + d.defect, 0.0, 0.0, d.measures});
  }
  rows.push_back({"mean", 0.0, 0.0, result.mean});
  return format_measures_table(rows, false);
}

json codec_report_json(const CodecCheckResult& result, const json& run) {
  json classes = json::object(), defects = json::array();
  for (size_t k = 0; k < result.classes.size(); ++k)
    classes[result.classes[k]] = codec_json(result.per_class[k]);
  for (const CodecDefectRow& d : result.per_defect) {
    json j = codec_json(d.measures);
    j["class"] = d.class_name;
    j["defect"] = d.defect;
    defects.push_back(j);
  }
  return {{"run", run},
          {"definitions",
           {{"psnr_db", "per image 10 log10(1 / MSE) on the [0, 1] pixel scale (capped at 100), averaged"},
            {"error", "mean over RGB of |x - x0| on the [0, 1] scale, pooled over the pixels"},
            {"inside", "pixels of the ground-truth defects (of the row's images)"},
            {"outside", "all other pixels of the class's test images"}}},
          {"class_order", result.classes},
          {"classes", classes},
          {"defects", defects},
          {"mean", codec_json(result.mean)},
          {"timing", {{"seconds", result.seconds}, {"images", result.images}}}};
}

}  // namespace decodiff::evaluation
