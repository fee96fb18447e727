#include "engine_scorer.h"

#include <c10/core/InferenceMode.h>

#include <cstring>
#include <stdexcept>

namespace decodiff::evaluation {
namespace {

// [3, H, W] float in [-1, 1] -> RGB CV_8UC3 (as the reference visualiser: x*127.5+127.5, truncated).
cv::Mat to_rgb(const at::Tensor& image) {
  auto u8 =
      (image.to(at::kFloat).clamp(-1, 1) * 127.5 + 127.5).to(at::kByte).permute({1, 2, 0}).contiguous().cpu();
  cv::Mat out(static_cast<int>(u8.size(0)), static_cast<int>(u8.size(1)), CV_8UC3);
  std::memcpy(out.data, u8.data_ptr(), static_cast<size_t>(u8.numel()));
  return out;
}

}  // namespace

EngineScorer::EngineScorer(std::shared_ptr<Engine> engine, int reverse_steps)
    : engine_(std::move(engine)), reverse_steps_(reverse_steps) {}

std::vector<ScoredImage> EngineScorer::score(const std::vector<cv::Mat>& images,
                                             const std::vector<int>& class_ids, bool want_pictures) {
  if (images.size() != class_ids.size()) throw std::invalid_argument("EngineScorer: one class id per image");
  std::vector<ScoredImage> results(images.size());
  if (images.empty()) return results;
  c10::InferenceMode guard;
  std::vector<InspectRequest> requests(images.size());
  std::vector<int64_t> ids(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& m = images[i];
    if (m.type() != CV_8UC3) throw std::invalid_argument("EngineScorer: images must be 8-bit RGB");
    requests[i].frame =
        decodiff::color_view(m.data, m.cols, m.rows, static_cast<int64_t>(m.step), 3, 0, 1, 2);
    requests[i].class_id = class_ids[i];
    ids[i] = class_ids[i];
  }
  const at::Tensor input = engine_->preprocess(requests);
  EngineOutputs out =
      engine_->run(input, at::tensor(ids, at::TensorOptions().dtype(at::kLong)), reverse_steps_);
  const at::Tensor maps = out.maps.fused.to(at::kCPU, at::kFloat).contiguous();
  const at::Tensor scores = out.maps.score.to(at::kCPU, at::kFloat).contiguous();
  const int crop = static_cast<int>(maps.size(1));
  const at::Tensor correction =
      (out.latent_rec.to(at::kFloat) - out.latent.to(at::kFloat)).abs().mean(1).to(at::kCPU).contiguous();
  const int latent = static_cast<int>(correction.size(1));
  for (size_t i = 0; i < images.size(); ++i) {
    ScoredImage& r = results[i];
    r.score = scores.data_ptr<float>()[i];
    r.map = cv::Mat(crop, crop, CV_32FC1);
    std::memcpy(r.map.data, maps[static_cast<int64_t>(i)].data_ptr<float>(), sizeof(float) * crop * crop);
    r.codec = codec_error(out.input[static_cast<int64_t>(i)], out.image_x0[static_cast<int64_t>(i)]);
    r.latent_correction = cv::Mat(latent, latent, CV_32FC1);
    std::memcpy(r.latent_correction.data, correction[static_cast<int64_t>(i)].data_ptr<float>(),
                sizeof(float) * latent * latent);
    if (want_pictures) {
      r.input = to_rgb(out.input[static_cast<int64_t>(i)]);
      r.reconstruction = to_rgb(out.image_rec[static_cast<int64_t>(i)]);
    }
  }
  return results;
}

}  // namespace decodiff::evaluation
