#include "codec_trainer.h"

#include <ATen/ATen.h>
#include <torch/optim/adamw.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "codec_file.h"
#include "codec_mix.h"
#include "duration_text.h"
#include "engine.h"
#include "io/safetensors.h"
#include "vae_source.h"

namespace decodiff::train {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Crops used for the scaling factor come from indices far beyond any training step's.
constexpr uint64_t kScalingCropBase = uint64_t{1} << 48;

// Linear warm-up over the first 2 % (at least 50 steps' worth), then a cosine from 1 down to 0.05.
double codec_lr_factor(double progress, double warmup) {
  if (progress < warmup) return std::max(progress / warmup, 1e-3);
  const double p = std::clamp((progress - warmup) / (1.0 - warmup), 0.0, 1.0);
  return 0.05 + 0.95 * 0.5 * (1.0 + std::cos(3.14159265358979323846 * p));
}

class CodecRun {
 public:
  explicit CodecRun(const CodecTrainOptions& o) : o_(o), start_(Clock::now()) {}
  CodecTrainResult go();

 private:
  double elapsed() const {
    return elapsed_before_ + std::chrono::duration<double>(Clock::now() - start_).count();
  }
  double progress(int64_t step) const {
    double p = static_cast<double>(step) / static_cast<double>(o_.steps);
    if (o_.max_minutes > 0) p = std::max(p, elapsed() / (o_.max_minutes * 60));
    return p;
  }
  void log(const nlohmann::json& j) {
    if (log_) *log_ << j.dump() << "\n", log_->flush();
  }
  void line(const std::string& text, bool newline) {
    if (!o_.progress) return;
    if (isatty(2) && !newline)
      std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    else
      std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
  }
  at::Tensor batch(uint64_t first, int count, int size) const {
    std::vector<cv::Mat> crops;
    for (int i = 0; i < count; ++i) crops.push_back(mix_->crop(first + static_cast<uint64_t>(i), size));
    return images_to_tensor(crops).to(device_);
  }
  void checkpoint(int64_t step, torch::optim::AdamW& opt, bool final);

  CodecTrainOptions o_;
  Clock::time_point start_;
  double elapsed_before_ = 0;
  at::Device device_{at::kCPU};
  nn::VaeConfig cfg_;
  nn::AutoencoderKL vae_{nullptr};
  std::unique_ptr<data::CodecMix> mix_;
  std::vector<cv::Mat> held_out_;
  std::unique_ptr<std::ofstream> log_;
  nlohmann::json training_;
  CodecTrainResult result_;
};

void CodecRun::checkpoint(int64_t step, torch::optim::AdamW& opt, bool final) {
  vae_->eval();
  {
    // Latents at unit variance for the diffusion: 1 / std of posterior samples of 512
    // crops of the training mix at the codec's input size (as decodiff-train does for
    // a VAE it trains; the SD VAE's 0.18215 came about the same way).
    at::NoGradGuard ng;
    std::vector<at::Tensor> zs;
    for (int i = 0; i < 512; i += 32) {
      auto m = vae_->encode_moments(batch(kScalingCropBase + static_cast<uint64_t>(i), 32, o_.size));
      const int64_t l = cfg_.latent_channels;
      auto mean = m.narrow(1, 0, l), logvar = m.narrow(1, l, l).clamp(-30.0, 20.0);
      zs.push_back((mean + (0.5 * logvar).exp() * at::randn_like(mean)).cpu());
    }
    const double sd = at::cat(zs).std().item<double>();
    if (!(sd > 1e-8) || !std::isfinite(sd))
      throw std::runtime_error("the codec's latents are degenerate (std " + std::to_string(sd) + ")");
    cfg_.scaling_factor = 1.0 / sd;
    training_["latent_std"] = sd;
  }
  const CodecFidelity f = measure_fidelity(vae_, held_out_);
  result_.psnr_db = f.psnr_db;
  result_.l1 = f.l1;
  training_["state"] = {{"steps_done", step}, {"done", final}};
  training_["elapsed_s"] = elapsed();
  CodecInfo info;
  info.vae = cfg_;
  info.input_size = o_.size;
  info.training = training_;
  info.fidelity = {{"held_out_photos", data::held_out_photos()},
                   {"crops", held_out_.size()},
                   {"crop_size", o_.size},
                   {"zoom", {0.2, 0.6}},
                   {"psnr_db", f.psnr_db},
                   {"l1", f.l1},
                   {"psnr_definition", "per image 10*log10(1/MSE) on [0,1] pixels, mean over images"}};
  write_codec_file(o_.out, vae_, info, final && o_.store_half);
  torch::serialize::OutputArchive archive;
  archive.write("step", at::tensor(step));
  opt.save(archive);
  const std::string side = o_.out + ".optim.pt", tmp = side + ".tmp";
  archive.save_to(tmp);
  fs::rename(tmp, side);
  log({{"event", "checkpoint"},
       {"step", step},
       {"time_s", elapsed()},
       {"held_out_psnr_db", f.psnr_db},
       {"held_out_l1", f.l1},
       {"scaling_factor", cfg_.scaling_factor}});
  char text[200];
  std::snprintf(text, sizeof text,
                "[codec] checkpoint at step %lld: held-out PSNR %.2f dB, L1 %.4f, scaling %.4f",
                static_cast<long long>(step), f.psnr_db, f.l1, cfg_.scaling_factor);
  line(text, true);
  vae_->train();
}

CodecTrainResult CodecRun::go() {
  if (o_.out.empty()) throw std::invalid_argument("no output file: give --out FILE.safetensors");
  if (o_.batch_size < 1) throw std::invalid_argument("batch size must be >= 1");
  if (o_.steps < 1) throw std::invalid_argument("--codec-steps must be >= 1");
  if (o_.threads > 0) at::set_num_threads(o_.threads);
  device_ = resolve_device(o_.device);
  if (!o_.log_path.empty()) {
    log_ = std::make_unique<std::ofstream>(o_.log_path, std::ios::app);
    if (!*log_) throw std::runtime_error("cannot write the log '" + o_.log_path + "'");
  }
  const std::string photo_dir = o_.photo_dir.empty() ? data::kOpenCvDocPhotoDir : o_.photo_dir;
  int64_t step = 0;
  std::unique_ptr<torch::serialize::InputArchive> archive;
  if (!o_.resume.empty()) {
    PretrainedVae p = load_pretrained_vae(o_.resume);
    cfg_ = p.config;
    vae_ = p.vae;
    const auto content = io::read_safetensors(o_.resume);
    const CodecInfo info = parse_codec_metadata(content.metadata.at(kCodecMetadataKey), o_.resume);
    training_ = info.training;
    o_.size = info.input_size;
    step = training_.value("state", nlohmann::json::object()).value("steps_done", int64_t{0});
    elapsed_before_ = training_.value("elapsed_s", 0.0);
    if (progress(step) >= 1.0)
      throw std::runtime_error(o_.resume + ": this codec's schedule has run out (" + std::to_string(step) +
                               " steps, " + std::to_string(static_cast<int>(elapsed_before_ / 60)) +
                               " minutes); raise --max-minutes or --codec-steps to train it further");
    const std::string side = o_.resume + ".optim.pt";
    if (fs::is_regular_file(side)) {
      archive = std::make_unique<torch::serialize::InputArchive>();
      archive->load_from(side);
    }
    if (!o_.command_line.empty()) training_["resumed_with"].push_back(o_.command_line);
  } else {
    cfg_.block_out_channels = o_.channels;
    cfg_.layers_per_block = o_.layers_per_block;
    cfg_.norm_num_groups = o_.norm_groups;
    cfg_.latent_channels = o_.latent_channels;
    nn::validate(cfg_);
    const int64_t down = int64_t{1} << (cfg_.block_out_channels.size() - 1);
    if (o_.size % down || o_.train_crop % down)
      throw std::invalid_argument("--codec-size and --codec-crop must be multiples of the downsampling " +
                                  std::to_string(down));
    at::manual_seed(o_.seed);
    vae_ = nn::AutoencoderKL(cfg_);
  }
  at::manual_seed(o_.seed + static_cast<uint64_t>(step) * 31);
  data::CodecMixOptions mo;
  mo.photo_dir = photo_dir;
  mo.seed = o_.seed;
  mo.photo_share = o_.photo_share;
  mo.synth_share = o_.synth_share;
  mo.procedural_share = o_.procedural_share;
  mo.paste_share = o_.paste_share;
  mo.synth_pool = o_.synth_pool;
  mix_ = std::make_unique<data::CodecMix>(mo);
  held_out_ = data::held_out_crops(photo_dir, o_.size, o_.eval_crops, 7);
  if (!o_.resume.empty()) training_["resumed_mix"].push_back(mix_->describe()["shares"]);
  if (o_.resume.empty())
    training_ = {{"tool", "decodiff-train --codec-only"},
                 {"command", o_.command_line},
                 {"data", mix_->describe()},
                 {"steps", o_.steps},
                 {"batch_size", o_.batch_size},
                 {"train_crop", o_.train_crop},
                 {"lr", o_.lr},
                 {"loss", "mean|x-x0| + l2_weight*mean((x-x0)^2) + kl_weight*KL/(3HW)"},
                 {"l2_weight", o_.l2_weight},
                 {"kl_weight", o_.kl_weight},
                 {"max_minutes", o_.max_minutes},
                 {"seed", o_.seed}};
  training_["steps"] = o_.steps;
  vae_->to(device_);
  vae_->train();
  torch::optim::AdamW opt(vae_->parameters(), torch::optim::AdamWOptions(o_.lr).weight_decay(0.0));
  if (archive) opt.load(*archive);
  result_.path = o_.out;

  const double warmup = std::max(0.02, 50.0 / static_cast<double>(o_.steps));
  double next_checkpoint = elapsed() + o_.checkpoint_minutes * 60;
  const auto t0 = Clock::now();
  const int64_t first_step = step;
  double window = 0, window_l1 = 0;
  int64_t window_n = 0;
  while (true) {
    const double p = progress(step);
    const bool done = p >= 1.0;
    const bool stop = stop_requested() || (o_.stop_at_step > 0 && step >= o_.stop_at_step);
    if (done || stop) {
      result_.interrupted = stop && !done;
      result_.out_of_time = done && o_.max_minutes > 0 && step < o_.steps;
      checkpoint(step, opt, !result_.interrupted);
      break;
    }
    const double lr = o_.lr * codec_lr_factor(p, warmup);
    for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    auto x = batch(static_cast<uint64_t>(step) * static_cast<uint64_t>(o_.batch_size), o_.batch_size,
                   o_.train_crop);
    auto m = vae_->encode_moments(x);
    const int64_t l = cfg_.latent_channels;
    auto mean = m.narrow(1, 0, l), logvar = m.narrow(1, l, l).clamp(-30.0, 20.0);
    auto rec = vae_->decode(mean + (0.5 * logvar).exp() * at::randn_like(mean));
    auto diff = rec - x;
    auto l1 = diff.abs().mean();
    auto kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).sum() / x.numel();
    auto loss = l1 + o_.l2_weight * diff.pow(2).mean() + o_.kl_weight * kl;
    opt.zero_grad();
    loss.backward();
    opt.step();
    ++step;
    const double lv = loss.item<double>();
    if (!std::isfinite(lv))
      throw std::runtime_error("the codec loss is not finite at step " + std::to_string(step) +
                               " (lower --vae-lr?)");
    window += lv;
    window_l1 += l1.item<double>();
    ++window_n;
    if (step % std::max(1, o_.log_every) == 0) {
      const double run_s = std::chrono::duration<double>(Clock::now() - t0).count();
      const double ips = static_cast<double>((step - first_step) * o_.batch_size) / std::max(run_s, 1e-9);
      const double left_by_steps = (o_.steps - step) * run_s / static_cast<double>(step - first_step);
      const double eta =
          o_.max_minutes > 0 ? std::min(left_by_steps, o_.max_minutes * 60 - elapsed()) : left_by_steps;
      char text[256];
      std::snprintf(
          text, sizeof text,
          "[codec] step %lld/%lld loss %.4f (L1 %.4f) lr %.2e %.1f img/s held-out PSNR %.2f dB ETA %s",
          static_cast<long long>(step), static_cast<long long>(o_.steps), window / window_n,
          window_l1 / window_n, lr, ips, result_.psnr_db, format_duration(eta).c_str());
      line(text, false);
      log({{"phase", "codec"},
           {"step", step},
           {"loss", window / window_n},
           {"l1", window_l1 / window_n},
           {"lr", lr},
           {"images_per_s", ips},
           {"time_s", elapsed()}});
      window = window_l1 = 0;
      window_n = 0;
    }
    if (elapsed() >= next_checkpoint) {
      checkpoint(step, opt, false);
      next_checkpoint = elapsed() + o_.checkpoint_minutes * 60;
    }
  }
  result_.steps_done = step;
  return result_;
}

}  // namespace

at::Tensor images_to_tensor(const std::vector<cv::Mat>& bgr_images) {
  if (bgr_images.empty()) throw std::invalid_argument("no images");
  const int h = bgr_images[0].rows, w = bgr_images[0].cols;
  auto out = at::empty({static_cast<int64_t>(bgr_images.size()), h, w, 3}, at::kByte);
  for (size_t i = 0; i < bgr_images.size(); ++i) {
    const cv::Mat& m = bgr_images[i];
    if (m.type() != CV_8UC3 || m.rows != h || m.cols != w)
      throw std::invalid_argument("images must be 8-bit BGR of one size");
    cv::Mat rgb(h, w, CV_8UC3, out[static_cast<int64_t>(i)].data_ptr());
    cv::cvtColor(m, rgb, cv::COLOR_BGR2RGB);
  }
  return out.permute({0, 3, 1, 2}).to(at::kFloat).div_(127.5).sub_(1.0).contiguous();
}

CodecFidelity measure_fidelity(nn::AutoencoderKL& vae, const std::vector<cv::Mat>& bgr_images,
                               int batch_size) {
  at::NoGradGuard ng;
  const bool was_training = vae->is_training();
  vae->eval();
  const auto device = vae->parameters().front().device();
  double psnr = 0, l1 = 0;
  for (size_t i = 0; i < bgr_images.size(); i += static_cast<size_t>(batch_size)) {
    std::vector<cv::Mat> part(
        bgr_images.begin() + static_cast<long>(i),
        bgr_images.begin() + static_cast<long>(std::min(bgr_images.size(), i + batch_size)));
    auto x = images_to_tensor(part).to(device);
    auto x0 = vae->decode(vae->encode_mean(x)).clamp(-1.0, 1.0);
    auto d = (x0 - x).cpu();
    // [-1, 1] -> [0, 1] halves the difference: MSE on [0, 1] = MSE / 4.
    auto mse = d.pow(2).mean({1, 2, 3}) / 4.0;
    psnr += (10.0 * at::log10(1.0 / mse.clamp_min(1e-12))).sum().item<double>();
    l1 += d.abs().mean({1, 2, 3}).sum().item<double>();
  }
  if (was_training) vae->train();
  const double n = static_cast<double>(bgr_images.size());
  return {psnr / n, l1 / n};
}

CodecTrainResult train_codec(const CodecTrainOptions& options) {
  StopRequestScope scope;
  CodecRun run(options);
  return run.go();
}

}  // namespace decodiff::train
