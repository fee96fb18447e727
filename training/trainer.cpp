#include "trainer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/optim/adamw.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "dataset_index.h"
#include "decodiff_config.h"
#include "distributed.h"
#include "duration_text.h"
#include "engine.h"
#include "fingerprint.h"
#include "lr_schedule.h"
#include "model_config.h"
#include "model_file.h"
#include "objective.h"
#include "schedule.h"
#include "step_dump.h"
#include "training_images.h"
#include "vae_source.h"
#include "video_frames.h"

namespace decodiff::train {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// --- data -----------------------------------------------------------------------

struct TrainingSet {
  std::vector<std::string> classes;
  std::shared_ptr<std::vector<TrainingImage>> images;
  bool visa = false;
  nlohmann::json description;
};

int class_index(std::vector<std::string>& classes, const std::string& name, bool may_add) {
  auto it = std::find(classes.begin(), classes.end(), name);
  if (it != classes.end()) return static_cast<int>(it - classes.begin());
  if (!may_add) throw std::runtime_error("class '" + name + "' is not among the checkpoint's classes");
  classes.push_back(name);
  return static_cast<int>(classes.size() - 1);
}

TrainingSet gather_training_set(const TrainOptions& o, const std::vector<std::string>& class_order,
                                bool progress) {
  TrainingSet set;
  set.images = std::make_shared<std::vector<TrainingImage>>();
  set.description = nlohmann::json::object();
  if (o.data_root.empty() && o.videos.empty())
    throw std::invalid_argument("no training data: give a dataset folder and/or videos");
  if (!o.data_root.empty()) {
    auto index = data::index_dataset(o.data_root, o.only_classes, class_order);
    if (index.train.empty())
      throw std::runtime_error("dataset folder '" + o.data_root + "' has no training (normal) images");
    set.classes = index.classes;
    set.visa = index.layout == data::Layout::kVisa;
    std::vector<std::string> paths;
    std::vector<int> ids;
    for (const auto& s : index.train) {
      paths.push_back(s.image);
      ids.push_back(s.class_id);
    }
    auto cb = [&](int done, int total) {
      if (progress && (done == total || done % 16 == 0))
        std::fprintf(stderr, "\rdecoding %d/%d training images", done, total), std::fflush(stderr);
    };
    auto loaded = load_training_images(paths, ids, o.resize, 2, cb);
    if (progress) std::fprintf(stderr, "\n");
    set.images->insert(set.images->end(), loaded.begin(), loaded.end());
    set.description["dataset"] = {{"layout", data::to_string(index.layout)},
                                  {"images", paths.size()},
                                  {"folder", fs::path(o.data_root).filename().string()}};
  } else {
    set.classes = class_order;
  }
  if (!o.video_classes.empty() && o.video_classes.size() != o.videos.size())
    throw std::invalid_argument("give one video class per video (" + std::to_string(o.videos.size()) +
                                " videos, " + std::to_string(o.video_classes.size()) + " classes)");
  data::VideoOptions vo;
  vo.stride = o.video_stride;
  vo.max_frames = o.video_max_frames;
  if (!o.video_roi.empty()) vo.roi = data::parse_roi(o.video_roi);
  vo.resize = o.resize;
  vo.crop = o.resize;
  for (size_t i = 0; i < o.videos.size(); ++i) {
    const std::string name =
        o.video_classes.empty() ? fs::path(o.videos[i]).stem().string() : o.video_classes[i];
    const int id = class_index(set.classes, name, class_order.empty());
    auto frames = data::read_video_frames(o.videos[i], vo);
    for (auto& f : frames) set.images->push_back({f, id});
    set.description["videos"].push_back({{"file", fs::path(o.videos[i]).filename().string()},
                                         {"class", name},
                                         {"frames", frames.size()},
                                         {"stride", o.video_stride}});
  }
  if (set.images->empty()) throw std::runtime_error("no training images found");
  return set;
}

// --- networks -------------------------------------------------------------------

ModelConfig make_config(const TrainOptions& o, const std::vector<std::string>& classes,
                        const nn::VaeConfig& vae) {
  ModelConfig c;
  c.unet = nn::unet_preset(o.unet_preset, static_cast<int64_t>(classes.size()));
  if (o.model_channels > 0) c.unet.model_channels = o.model_channels;
  if (o.num_heads > 0) c.unet.num_heads = o.num_heads;
  if (o.context_dim > 0) c.unet.context_dim = o.context_dim;
  if (o.num_res_blocks > 0) c.unet.num_res_blocks = o.num_res_blocks;
  if (o.unet_dropout >= 0) c.unet.dropout = o.unet_dropout;
  if (!o.channel_mult.empty()) {
    c.unet.channel_mult = o.channel_mult;
    c.unet.attention_resolutions.clear();
    for (size_t i = 0; i < o.channel_mult.size(); ++i)
      c.unet.attention_resolutions.push_back(int64_t{1} << i);
    std::reverse(c.unet.attention_resolutions.begin(), c.unet.attention_resolutions.end());
  }
  c.unet.in_channels = c.unet.out_channels = vae.latent_channels;
  c.vae = vae;
  c.input.resize = o.resize;
  c.input.crop = o.crop;
  c.classes = classes;
  nn::validate(c.unet);
  nn::validate(c.vae);
  if (o.crop < 8 || o.crop > o.resize) throw std::invalid_argument("crop must be between 8 and resize");
  const int64_t down = c.vae_downsample_factor();
  if (o.crop % down != 0)
    throw std::invalid_argument("crop " + std::to_string(o.crop) +
                                " is not a multiple of the VAE's downsampling " + std::to_string(down));
  const int64_t unet_down = int64_t{1} << (c.unet.channel_mult.size() - 1);
  if (c.latent_size() % unet_down != 0)
    throw std::invalid_argument("latent size " + std::to_string(c.latent_size()) + " (crop / " +
                                std::to_string(down) + ") is not a multiple of the UNet's downsampling " +
                                std::to_string(unet_down));
  c.validate("the training configuration");
  return c;
}

void set_lr(torch::optim::AdamW& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

// Posterior sample of the VAE (diffusers' DiagonalGaussianDistribution, log-variance clamped to [-30, 20]).
struct Posterior {
  at::Tensor mean, logvar;
  at::Tensor sample() const { return mean + (0.5 * logvar).exp() * at::randn_like(mean); }
};
Posterior posterior_of(const at::Tensor& moments, int64_t latent_channels) {
  return {moments.narrow(1, 0, latent_channels),
          moments.narrow(1, latent_channels, latent_channels).clamp(-30.0, 20.0)};
}
Posterior encode(nn::AutoencoderKL& vae, const at::Tensor& x) {
  return posterior_of(vae->encode_moments(x), vae->config().latent_channels);
}

// Standard normal noise of `shape` from the default generator, laid out in `format`: the
// generator fills memory in order, so the layout decides which numbers land where.
// randn_like(mean) of the encoder's output draws exactly this (its layout is the output's).
at::Tensor global_noise(at::IntArrayRef shape, const at::TensorOptions& options, at::MemoryFormat format) {
  return at::empty(shape, options.memory_format(format)).normal_();
}

// The rows per rank of a global batch (Batch::global_size) cut into batch_size rows per rank.
std::vector<int64_t> rows_per_rank(int64_t global, int batch_size, int ranks) {
  std::vector<int64_t> rows;
  for (int r = 0; r < ranks; ++r) rows.push_back(shard_rows(global, batch_size, r).size());
  return rows;
}

// Several ranks: every parameter needs a gradient for the sum (a rank whose share of the
// last batch of an epoch is empty ran no backward pass). Like DDP without
// find_unused_parameters, the networks are assumed to use every parameter.
void sum_gradients(Communicator& comm, const std::vector<at::Tensor>& params) {
  if (comm.size() == 1) return;
  std::vector<at::Tensor> grads;
  for (auto p : params) {
    if (!p.requires_grad()) continue;
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    grads.push_back(p.mutable_grad());
  }
  comm.sum(grads);
}

// --- the run --------------------------------------------------------------------

class Run {
 public:
  explicit Run(const TrainOptions& o) : o_(o), start_(Clock::now()) {}
  TrainResult go();

 private:
  // The ranks' sums of `values`, and whether any rank must stop (a signal, the time budget),
  // so that all ranks stop at the same step (one process: the values and its own votes).
  std::vector<double> sum_and_vote(std::vector<double> values, bool& stop) {
    values.push_back(stop_requested() ? 1.0 : 0.0);
    values.push_back(o_.max_minutes > 0 && elapsed_total_s() > o_.max_minutes * 60 ? 1.0 : 0.0);
    auto s = comm_->sum(values);
    const bool out_of_time = s.back() > 0;
    s.pop_back();
    const bool interrupted = s.back() > 0;
    s.pop_back();
    if (interrupted)
      result_.interrupted = true;
    else if (out_of_time)
      result_.out_of_time = true;
    stop = interrupted || out_of_time;
    return s;
  }
  AugmentOptions augment_options() const {
    AugmentOptions aug;
    aug.enabled = o_.augment;
    aug.rotate180_prob = (o_.rotate180 == 1 || (o_.rotate180 < 0 && data_.visa)) ? 0.5 : 0.0;
    aug.mirror_prob = o_.mirror ? 0.5 : 0.0;
    return aug;
  }
  // Seconds of training of this model: the time before a resume plus this run's.
  double elapsed_total_s() const {
    return elapsed_before_s_ + std::chrono::duration<double>(Clock::now() - start_).count();
  }
  void log(const nlohmann::json& j) {
    if (log_) {
      *log_ << j.dump() << "\n";
      log_->flush();
    }
  }
  void progress_line(const std::string& text, bool force_newline = false) {
    if (!o_.progress) return;
    if (isatty(2) && !force_newline)
      std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    else
      std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
  }
  void save(const std::string& phase, int64_t epochs_done, torch::optim::AdamW* opt);
  void train_vae_phase();
  void compute_scaling_factor();
  void train_unet_phase();
  at::Tensor encode_cached(const at::Tensor& x, const std::vector<int64_t>& keys);
  at::MemoryFormat latent_memory_format(int64_t rows);
  std::vector<at::Tensor> all_state();

  TrainOptions o_;
  Clock::time_point start_;
  TrainResult result_;
  at::Device device_{at::kCPU};
  ModelConfig cfg_;
  TrainingSet data_;
  nn::UNetModel unet_{nullptr}, ema_{nullptr};
  nn::AutoencoderKL vae_{nullptr};
  std::unique_ptr<std::ofstream> log_;
  std::unique_ptr<Communicator> comm_ = std::make_unique<Communicator>();
  nlohmann::json state_ = nlohmann::json::object();  // phase, vae_epochs_done, epochs_done, steps_done
  torch::serialize::InputArchive* resume_archive_ = nullptr;
  std::unique_ptr<torch::serialize::InputArchive> resume_archive_storage_;
  std::string resume_phase_;
  uint64_t seed_ = 0;
  double elapsed_before_s_ = 0;                           // training.elapsed_before_s of a resumed model
  std::unordered_map<int64_t, at::Tensor> latent_cache_;  // key -> encoder moments [2L,h,w]
  int64_t latent_cache_bytes_ = 0;
  std::map<int64_t, at::MemoryFormat> latent_formats_;  // rows -> layout of the encoder's output
};

// The frozen encoder is deterministic, so its moments for an (image, augmentation)
// pair can be reused; the posterior sample is still drawn afresh every time.
at::Tensor Run::encode_cached(const at::Tensor& x, const std::vector<int64_t>& keys) {
  if (o_.latent_cache_mb <= 0 || keys.size() != static_cast<size_t>(x.size(0)))
    return vae_->encode_moments(x);
  std::vector<int64_t> missing;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!latent_cache_.count(keys[i])) missing.push_back(static_cast<int64_t>(i));
  }
  std::vector<at::Tensor> rows(keys.size());
  if (!missing.empty()) {
    auto idx = at::tensor(missing, at::kLong).to(x.device());
    auto m = vae_->encode_moments(x.index_select(0, idx));
    for (size_t j = 0; j < missing.size(); ++j) {
      rows[missing[j]] = m[static_cast<int64_t>(j)];
      const int64_t bytes = m[0].numel() * static_cast<int64_t>(m.element_size());
      if (latent_cache_bytes_ + bytes <= int64_t{o_.latent_cache_mb} * 1024 * 1024) {
        latent_cache_[keys[missing[j]]] = m[static_cast<int64_t>(j)].clone();
        latent_cache_bytes_ += bytes;
      }
    }
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!rows[i].defined()) rows[i] = latent_cache_.at(keys[i]);
  }
  return at::stack(rows);
}

// The memory layout of the encoder's output for a batch of `rows` images, as one process
// with the global batch sees it (several ranks draw the global batch's noise in it; the
// layout depends on the batch size: one image comes out contiguous, several channels-last).
// Found once per size with zero images through the encoder, which has no dropout.
at::MemoryFormat Run::latent_memory_format(int64_t rows) {
  auto it = latent_formats_.find(rows);
  if (it != latent_formats_.end()) return it->second;
  at::NoGradGuard ng;
  const auto x = at::zeros({rows, 3, o_.crop, o_.crop}, at::TensorOptions().device(device_));
  const auto format = encode(vae_, x).mean.suggest_memory_format();
  latent_formats_[rows] = format;
  return format;
}

void Run::save(const std::string& phase, int64_t epochs_done, torch::optim::AdamW* opt) {
  state_["phase"] = phase;
  if (phase == "vae")
    state_["vae_epochs_done"] = epochs_done;
  else
    state_["epochs_done"] = epochs_done;
  cfg_.training["state"] = state_;
  cfg_.training["elapsed_s"] = cfg_.training.value("elapsed_before_s", 0.0) +
                               std::chrono::duration<double>(Clock::now() - start_).count();
  // Rank 0 alone writes (the ranks' weights are equal); tests may have every rank write its own.
  std::string out = o_.out;
  if (!comm_->is_main()) {
    if (!o_.every_rank_writes) return;
    out += ".rank" + std::to_string(comm_->rank());
  }
  const std::string side = out + ".optim.pt";
  torch::serialize::OutputArchive archive;
  // 0: VAE optimiser state follows, 1: UNet optimiser state follows, 2: none (the VAE just finished).
  archive.write("phase", at::tensor(!opt ? int64_t{2} : phase == "vae" ? int64_t{0} : int64_t{1}));
  if (opt) opt->save(archive);
  nn::UNetModel weights = unet_;
  if (ema_ && phase != "vae") {
    // The model file carries the EMA weights; the raw ones go to the side file.
    for (const auto& p : unet_->named_parameters(true))
      archive.write("raw." + p.key(), p.value().detach().cpu());
    weights = ema_;
  }
  cfg_.fingerprint.reset();  // a resumed model's is stale: a new one is made from the file as written
  save_model_file(out, cfg_, weights, vae_);  // copies the tensors to the CPU itself
  add_model_fingerprint(out, "cpu", "0", Fingerprint::kDefaultSeed,
                        std::string("decodiff-train ") + DECODIFF_VERSION);
  const std::string tmp = side + ".tmp";
  archive.save_to(tmp);
  fs::rename(tmp, side);
}

void Run::train_vae_phase() {
  const int64_t start_epoch = state_.value("vae_epochs_done", int64_t{0});
  if (start_epoch >= o_.vae_epochs) return;
  vae_->train();
  torch::optim::AdamW opt(vae_->parameters(), torch::optim::AdamWOptions(o_.vae_lr).weight_decay(0.0));
  if (resume_archive_ && resume_phase_ == "vae") opt.load(*resume_archive_);
  const AugmentOptions aug = augment_options();
  const int bs = o_.vae_batch_size > 0 ? o_.vae_batch_size : o_.batch_size;
  BatchLoader loader(data_.images, o_.crop, aug, bs, seed_ + 17, start_epoch, 4, comm_->rank(),
                     comm_->size());
  const int64_t per_epoch = loader.batches_per_epoch();
  const int64_t total = per_epoch * o_.vae_epochs;
  const int64_t warmup = per_epoch;  // one epoch
  int64_t step = start_epoch * per_epoch;
  const auto t0 = Clock::now();
  int64_t images = 0;
  bool dump_first_step = !o_.first_step_dump.empty();
  for (int64_t epoch = start_epoch; epoch < o_.vae_epochs; ++epoch) {
    double sum = 0, sum_rec = 0;
    int64_t n = 0;
    while (true) {
      Batch b = loader.next();
      auto x = b.images.to(device_);
      set_lr(opt, o_.vae_lr * lr_factor(step, warmup, total));
      // The posterior noise of the whole global batch (the same draws on every rank, as one
      // process with the global batch), this rank's rows of it; the losses are this rank's
      // share of the global means, so the ranks' gradients add up to the global batch's.
      // One process draws exactly as randn_like(mean) did before there were ranks.
      const int64_t ls = o_.crop / cfg_.vae_downsample_factor();
      const std::vector<int64_t> noise_shape{b.global_size, cfg_.vae.latent_channels, ls, ls};
      const double share = static_cast<double>(x.size(0)) / static_cast<double>(b.global_size);
      opt.zero_grad();
      double local_loss = 0, local_rec = 0;
      if (x.size(0) == 0) {
        global_noise(noise_shape, x.options(), latent_memory_format(b.global_size));  // the others' draws
      } else {
        auto post = encode(vae_, x);
        const auto format =
            comm_->size() == 1 ? post.mean.suggest_memory_format() : latent_memory_format(b.global_size);
        auto noise = global_noise(noise_shape, x.options(), format).narrow(0, b.offset, x.size(0));
        auto rec = vae_->decode(post.mean + (0.5 * post.logvar).exp() * noise);
        // One process: share is 1 and the pixels are x's, the former mean and KL term exactly.
        auto rec_loss = (rec - x).abs().mean() * share;
        auto kl = 0.5 * (post.mean.pow(2) + post.logvar.exp() - 1.0 - post.logvar).sum() /
                  (static_cast<double>(x.numel()) / share);
        auto loss = rec_loss + o_.kl_weight * kl;
        loss.backward();
        local_loss = loss.item<double>();
        local_rec = rec_loss.item<double>();
      }
      sum_gradients(*comm_, vae_->parameters());
      const bool dump = dump_first_step && comm_->is_main();
      const auto used = dump ? gradients_of(vae_->parameters()) : std::vector<at::Tensor>();
      opt.step();
      if (dump) write_step_dump(o_.first_step_dump + ".vae.pt", used, vae_->parameters());
      dump_first_step = false;
      bool stop = false;
      const auto losses = sum_and_vote({local_loss, local_rec}, stop);
      ++step;
      images += b.global_size;
      sum += losses[0];
      sum_rec += losses[1];
      ++n;
      const double el = std::chrono::duration<double>(Clock::now() - t0).count();
      const double ips = images / std::max(el, 1e-9);
      const double eta = (total - step) * (el / std::max<int64_t>(1, step - start_epoch * per_epoch));
      char line[256];
      std::snprintf(line, sizeof line, "[vae] epoch %lld/%d step %lld loss %.4f (L1 %.4f) %.1f img/s ETA %s",
                    static_cast<long long>(epoch + 1), o_.vae_epochs, static_cast<long long>(step), sum / n,
                    sum_rec / n, ips, format_duration(eta).c_str());
      if (step % std::max(1, o_.log_every) == 0 || b.last_in_epoch) progress_line(line);
      if (step % std::max(1, o_.log_every) == 0)
        log({{"phase", "vae"},
             {"epoch", epoch},
             {"step", step},
             {"loss", sum / n},
             {"l1", sum_rec / n},
             {"lr", o_.vae_lr * lr_factor(step, warmup, total)},
             {"images_per_s", ips},
             {"time_s", el}});
      if (stop) {
        vae_->eval();
        save("vae", epoch, &opt);
        return;
      }
      if (b.last_in_epoch) break;
    }
    log({{"phase", "vae"}, {"event", "epoch"}, {"epoch", epoch + 1}, {"loss", sum / n}, {"l1", sum_rec / n}});
    if ((epoch + 1) % std::max(1, o_.checkpoint_every) == 0 && epoch + 1 < o_.vae_epochs) {
      vae_->eval();
      save("vae", epoch + 1, &opt);
      vae_->train();
    }
  }
  vae_->eval();
  state_["vae_epochs_done"] = o_.vae_epochs;
  progress_line("[vae] done", true);
}

void Run::compute_scaling_factor() {
  // Latents at unit variance for the diffusion (the SD VAE's 0.18215 is 1/std of its
  // latents on its training data): 1 / std of posterior samples of up to 512 crops.
  at::NoGradGuard ng;
  std::vector<at::Tensor> zs;
  const size_t n = std::min<size_t>(data_.images->size(), 512);
  std::mt19937_64 rng(seed_ + 99);
  std::vector<size_t> order(data_.images->size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t i = 0; i < n; i += 32) {
    std::vector<at::Tensor> xs;
    for (size_t j = i; j < std::min(n, i + 32); ++j) {
      cv::Mat c = augment_crop((*data_.images)[order[j]].rgb, o_.crop, 0, 0, false);
      auto t =
          at::from_blob(c.data, {1, o_.crop, o_.crop, 3}, at::kByte).permute({0, 3, 1, 2}).to(at::kFloat);
      xs.push_back((t / 255.0f - 0.5f) / 0.5f);
    }
    zs.push_back(encode(vae_, at::cat(xs).to(device_)).sample().cpu());
  }
  const double sd = at::cat(zs).std().item<double>();
  if (!(sd > 1e-8) || !std::isfinite(sd))
    throw std::runtime_error("the trained VAE's latents are degenerate (std " + std::to_string(sd) + ")");
  cfg_.vae.scaling_factor = 1.0 / sd;
  cfg_.training["vae_latent_std"] = sd;
  log({{"phase", "vae"}, {"event", "scaling_factor"}, {"latent_std", sd}, {"scaling_factor", 1.0 / sd}});
}

void Run::train_unet_phase() {
  const int64_t start_epoch = state_.value("epochs_done", int64_t{0});
  int64_t step = state_.value("steps_done", int64_t{0});
  for (auto& p : vae_->parameters()) p.set_requires_grad(false);
  vae_->eval();
  unet_->train();
  torch::optim::AdamW opt(unet_->parameters(),
                          torch::optim::AdamWOptions(o_.lr).weight_decay(o_.weight_decay));
  if (resume_archive_ && resume_phase_ == "unet") opt.load(*resume_archive_);
  const AugmentOptions aug = augment_options();
  BatchLoader loader(data_.images, o_.crop, aug, o_.batch_size, seed_, start_epoch, 4, comm_->rank(),
                     comm_->size());
  const int64_t latent = cfg_.latent_size(), latent_channels = cfg_.vae.latent_channels;
  const int accum = std::max(1, o_.accumulation);
  const int64_t per_epoch = (loader.batches_per_epoch() + accum - 1) / accum;
  const int64_t total = per_epoch * o_.epochs;
  const int warm_epochs = o_.warmup_epochs >= 0 ? o_.warmup_epochs : std::min(10, o_.epochs / 10);
  const int64_t warmup = per_epoch * warm_epochs;
  // The time budget shapes the schedule from where this phase started (after a VAE phase).
  if (!state_.contains("unet_start_s")) state_["unet_start_s"] = step == 0 ? elapsed_total_s() : 0.0;
  const double unet_start_s = state_.value("unet_start_s", 0.0);
  const NoiseSchedule schedule(cfg_.diffusion.steps, cfg_.diffusion.schedule);
  ObjectiveOptions obj{o_.mask_ratio, o_.patch_shuffle_ratio};
  std::mt19937_64 rng(seed_ * 7919 + static_cast<uint64_t>(step));
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed_ * 104729 + static_cast<uint64_t>(step));
  const bool amp = o_.mixed_precision && device_.is_cuda();

  const auto t0 = Clock::now();
  int64_t images = 0, micro = 0, steps_this_run = 0;
  double window_sum = 0;
  int64_t window_n = 0;
  for (int64_t epoch = start_epoch; epoch < o_.epochs; ++epoch) {
    double sum = 0;
    int64_t n = 0;
    while (true) {
      Batch b = loader.next();
      auto x = b.images.to(device_);
      const int64_t local = x.size(0);
      at::Tensor z;
      {
        // Every rank encodes its rows; the objective (posterior sample, masks, noise, shuffled
        // patches) is drawn for the whole global batch, identically on every rank, as one
        // process with the global batch would; each rank then runs the UNet on its rows.
        at::NoGradGuard ng;
        auto moments = local > 0 ? encode_cached(x, b.keys)
                                 : at::empty({0, 2 * latent_channels, latent, latent}, x.options());
        moments = comm_->gather_rows(moments, rows_per_rank(b.global_size, o_.batch_size, comm_->size()));
        // The posterior noise comes from the objective's CPU generator: the default one is
        // also drawn from by the UNet's forward pass (its Dropout), in proportion to each
        // rank's rows, and would differ between the ranks after the first step.
        // One process keeps its former stream (the default generator) unless asked for the
        // ranks' one (tests comparing with several ranks).
        const auto post = posterior_of(moments, latent_channels);
        if (comm_->size() > 1 || o_.rank_random_stream) {
          auto noise = at::randn(post.mean.sizes(), gen, at::TensorOptions().dtype(at::kFloat)).to(device_);
          z = (post.mean + (0.5 * post.logvar).exp() * noise) * cfg_.vae.scaling_factor;
        } else {
          z = post.sample() * cfg_.vae.scaling_factor;
        }
      }
      auto ob = make_objective_batch(z, schedule, obj, rng, gen);
      double local_loss = 0;
      if (local > 0) {
        if (amp) {
          at::autocast::set_autocast_enabled(at::kCUDA, true);
          at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
        }
        auto pred = unet_->forward(ob.x_t.narrow(0, b.offset, local), ob.t.narrow(0, b.offset, local),
                                   b.class_ids.to(device_));
        if (amp) {
          at::autocast::set_autocast_enabled(at::kCUDA, false);
          at::autocast::clear_cache();
        }
        // This rank's share of the global batch's mean squared error (one process: the mean).
        auto target = ob.target.narrow(0, b.offset, local);
        auto loss = (pred.to(at::kFloat) - target).pow(2).mean() *
                    (static_cast<double>(local) / static_cast<double>(b.global_size));
        (loss / accum).backward();
        local_loss = loss.item<double>();
      }
      ++micro;
      bool stop = false;
      const double lv = sum_and_vote({local_loss}, stop)[0];
      if (!std::isfinite(lv))
        throw std::runtime_error("the loss is not finite at step " + std::to_string(step) + " (lower --lr?)");
      sum += lv;
      window_sum += lv;
      ++n;
      ++window_n;
      images += b.global_size;
      if (micro % accum == 0 || b.last_in_epoch) {
        sum_gradients(*comm_, unet_->parameters());
        const double lr =
            o_.lr * budgeted_lr_factor(step, warmup, total,
                                       budget_fraction(elapsed_total_s(), unet_start_s, o_.max_minutes * 60));
        set_lr(opt, lr);
        const bool dump = steps_this_run == 0 && !o_.first_step_dump.empty() && comm_->is_main();
        const auto used = dump ? gradients_of(unet_->parameters()) : std::vector<at::Tensor>();
        opt.step();
        if (dump) write_step_dump(o_.first_step_dump + ".unet.pt", used, unet_->parameters());
        opt.zero_grad();
        ++step;
        ++steps_this_run;
        micro = 0;
        if (ema_) {
          at::NoGradGuard ng;
          const double d = std::min(o_.ema_decay, (1.0 + step) / (10.0 + step));
          auto ep = ema_->parameters(true);
          auto rp = unet_->parameters(true);
          for (size_t i = 0; i < ep.size(); ++i) ep[i].mul_(d).add_(rp[i].detach(), 1.0 - d);
        }
        const double el = std::chrono::duration<double>(Clock::now() - t0).count();
        const double ips = images / std::max(el, 1e-9);
        double eta = (total - step) * el / std::max<int64_t>(1, steps_this_run);
        if (o_.max_minutes > 0) eta = std::min(eta, o_.max_minutes * 60 - elapsed_total_s());
        if (step % std::max(1, o_.log_every) == 0 || b.last_in_epoch) {
          char line[256];
          std::snprintf(line, sizeof line, "[unet] epoch %lld/%d step %lld loss %.4f %.1f img/s ETA %s",
                        static_cast<long long>(epoch + 1), o_.epochs, static_cast<long long>(step), sum / n,
                        ips, format_duration(eta).c_str());
          progress_line(line);
        }
        if (step % std::max(1, o_.log_every) == 0) {
          log({{"phase", "unet"},
               {"epoch", epoch},
               {"step", step},
               {"loss", window_sum / window_n},
               {"lr", lr},
               {"images_per_s", ips},
               {"time_s", el}});
          window_sum = 0;
          window_n = 0;
        }
      }
      if (stop) {
        state_["steps_done"] = step;
        unet_->eval();
        save("unet", epoch, &opt);
        result_.epochs_done = epoch;
        result_.steps_done = step;
        return;
      }
      if (b.last_in_epoch) break;
    }
    const double mean = sum / std::max<int64_t>(1, n);
    if (epoch == start_epoch) result_.first_loss = mean;
    result_.last_loss = mean;
    log({{"phase", "unet"}, {"event", "epoch"}, {"epoch", epoch + 1}, {"step", step}, {"loss", mean}});
    state_["steps_done"] = step;
    cfg_.training["last_epoch_loss"] = mean;
    if ((epoch + 1) % std::max(1, o_.checkpoint_every) == 0 || epoch + 1 == o_.epochs) {
      unet_->eval();
      save(epoch + 1 == o_.epochs ? "done" : "unet", epoch + 1, &opt);
      unet_->train();
    }
    result_.epochs_done = epoch + 1;
  }
  result_.steps_done = step;
  unet_->eval();
  if (o_.progress) std::fprintf(stderr, "\n");
}

std::vector<at::Tensor> Run::all_state() {
  std::vector<at::Tensor> out;
  for (auto* m : {static_cast<torch::nn::Module*>(unet_.get()), static_cast<torch::nn::Module*>(vae_.get()),
                  ema_ ? static_cast<torch::nn::Module*>(ema_.get()) : nullptr}) {
    if (!m) continue;
    for (auto& p : m->parameters(true)) out.push_back(p);
    for (auto& b : m->buffers(true)) out.push_back(b);
  }
  return out;
}

TrainResult Run::go() {
  if (o_.out.empty()) throw std::invalid_argument("no output file: give --out FILE.safetensors");
  if (o_.epochs < 1) throw std::invalid_argument("epochs must be >= 1");
  if (o_.batch_size < 1) throw std::invalid_argument("batch size must be >= 1");
  if (o_.train_vae && !o_.vae_path.empty())
    throw std::invalid_argument("give either --vae FILE or --train-vae, not both");
  if (o_.threads > 0) at::set_num_threads(o_.threads);
  device_ = resolve_device(o_.device);
  const LaunchEnvironment launch = read_launch_environment();
  if (launch.distributed()) {
    // One GPU per local rank (torchrun's LOCAL_RANK); the CPU path talks over Gloo.
    if (device_.is_cuda()) device_ = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(launch.local_rank));
    if (!(o_.dist_timeout_s > 0)) throw std::invalid_argument("--dist-timeout must be positive");
    comm_ = std::make_unique<Communicator>(
        launch, device_, std::chrono::milliseconds(static_cast<int64_t>(o_.dist_timeout_s * 1000)));
    if (!comm_->is_main()) {
      o_.progress = false;  // rank 0 alone shows progress and writes the log and the model
      o_.log_path.clear();
    }
  }
  result_.rank = comm_->rank();
  result_.world_size = comm_->size();
  seed_ = o_.seed;
  at::manual_seed(seed_);
  if (!o_.log_path.empty()) {
    log_ = std::make_unique<std::ofstream>(o_.log_path, std::ios::app);
    if (!*log_) throw std::runtime_error("cannot write the log '" + o_.log_path + "'");
  }

  if (!o_.resume.empty()) {
    LoadedModel m = load_model_file(o_.resume);
    cfg_ = m.config;
    unet_ = m.unet;
    vae_ = m.vae;
    if (cfg_.training.is_object() && cfg_.training.contains("state")) state_ = cfg_.training["state"];
    if (!state_.is_object()) state_ = nlohmann::json::object();
    if (state_.value("phase", std::string()) == "done" &&
        state_.value("epochs_done", int64_t{0}) >= o_.epochs)
      throw std::runtime_error(o_.resume + ": training already finished (" + std::to_string(o_.epochs) +
                               " epochs); raise --epochs to continue");
    const std::string side = o_.resume + ".optim.pt";
    if (fs::is_regular_file(side)) {
      resume_archive_storage_ = std::make_unique<torch::serialize::InputArchive>();
      resume_archive_storage_->load_from(side);
      resume_archive_ = resume_archive_storage_.get();
      at::Tensor ph;
      resume_archive_->read("phase", ph);
      const int64_t code = ph.item<int64_t>();
      resume_phase_ = code == 0 ? "vae" : code == 1 ? "unet" : "";
    }
    if (!cfg_.training.is_object()) cfg_.training = nlohmann::json::object();
    cfg_.training["elapsed_before_s"] = elapsed_before_s_ = cfg_.training.value("elapsed_s", 0.0);
    if (o_.max_minutes > 0 && elapsed_before_s_ >= o_.max_minutes * 60) {
      char spent[160];
      std::snprintf(spent, sizeof spent, "%.1f of the %g minutes of --max-minutes", elapsed_before_s_ / 60,
                    o_.max_minutes);
      throw std::runtime_error(o_.resume + ": the time budget is spent (" + spent +
                               ", counted over the resumes); raise --max-minutes to continue");
    }
    if (!o_.command_line.empty()) cfg_.training["resumed_with"].push_back(o_.command_line);
    o_.resize = cfg_.input.resize;  // the checkpoint's geometry wins
    o_.crop = cfg_.input.crop;
    data_ = gather_training_set(o_, cfg_.classes, o_.progress);
    seed_ = o_.seed + static_cast<uint64_t>(state_.value("steps_done", int64_t{0})) * 31 +
            static_cast<uint64_t>(state_.value("vae_epochs_done", int64_t{0}));
    at::manual_seed(seed_);
    o_.train_vae = cfg_.training.value("vae", std::string()) == "trained";
  } else {
    data_ = gather_training_set(o_, {}, o_.progress);
    nn::VaeConfig vcfg;
    nn::AutoencoderKL pretrained{nullptr};
    if (!o_.vae_path.empty()) {
      auto p = load_pretrained_vae(o_.vae_path);
      vcfg = p.config;
      pretrained = p.vae;
    } else if (o_.train_vae) {
      vcfg.block_out_channels = o_.vae_channels;
      vcfg.layers_per_block = o_.vae_layers_per_block;
      vcfg.norm_num_groups = o_.vae_norm_groups;
    } else {
      throw std::invalid_argument("no VAE: give --vae FILE (a pretrained AutoencoderKL) or --train-vae");
    }
    cfg_ = make_config(o_, data_.classes, vcfg);
    unet_ = nn::UNetModel(cfg_.unet);
    vae_ = pretrained ? pretrained : nn::AutoencoderKL(cfg_.vae);
    cfg_.training = {{"tool", "decodiff-train"},
                     {"command", o_.command_line},
                     {"data", data_.description},
                     {"images", data_.images->size()},
                     {"seed", o_.seed},
                     {"epochs", o_.epochs},
                     {"batch_size", o_.batch_size},
                     {"accumulation", o_.accumulation},
                     {"lr", o_.lr},
                     {"weight_decay", o_.weight_decay},
                     {"ema_decay", o_.ema_decay},
                     {"augment", o_.augment},
                     {"mirror", o_.mirror},
                     {"vae", o_.train_vae ? "trained" : "pretrained"}};
    if (o_.train_vae)
      cfg_.training["vae_recipe"] = {{"epochs", o_.vae_epochs},
                                     {"lr", o_.vae_lr},
                                     {"kl_weight", o_.kl_weight},
                                     {"loss", "L1 + kl_weight * KL"}};
    state_ = {{"phase", o_.train_vae ? "vae" : "unet"},
              {"vae_epochs_done", 0},
              {"epochs_done", 0},
              {"steps_done", 0}};
  }
  cfg_.training["epochs"] = o_.epochs;
  cfg_.training["max_minutes"] = o_.max_minutes;
  result_.model_path = o_.out;
  if (o_.ema_decay > 0) {
    ema_ = nn::UNetModel(cfg_.unet);
    at::NoGradGuard ng;
    auto ep = ema_->parameters(true);
    auto rp = unet_->parameters(true);
    for (size_t i = 0; i < ep.size(); ++i) ep[i].copy_(rp[i]);
    if (resume_archive_ && resume_phase_ == "unet") {
      // The checkpoint's model file holds the EMA weights; the raw ones are in the side file.
      for (auto& p : unet_->named_parameters(true)) {
        at::Tensor t;
        if (resume_archive_->try_read("raw." + p.key(), t)) p.value().copy_(t);
      }
    }
    ema_->eval();
    ema_->to(device_);
  }
  unet_->to(device_);
  vae_->to(device_);
  // Every rank starts from rank 0's weights (as DDP does).
  comm_->broadcast_from_main(all_state());
  if (comm_->size() > 1)
    cfg_.training["world_size"] = comm_->size();
  else
    cfg_.training.erase("world_size");  // a run of several ranks resumed by one process

  const std::string phase = state_.value("phase", std::string("unet"));
  if (o_.train_vae && phase == "vae") {
    train_vae_phase();
    if (result_.interrupted || result_.out_of_time) return result_;
    compute_scaling_factor();
    state_["phase"] = "unet";
    save("unet", 0, nullptr);  // the VAE is final: a checkpoint from which the UNet phase starts
    resume_phase_.clear();
  }
  train_unet_phase();
  return result_;
}

}  // namespace

double lr_factor(int64_t step, int64_t warmup_steps, int64_t total_steps) {
  if (step < warmup_steps) return static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const double horizon = 1.5 * static_cast<double>(total_steps) - static_cast<double>(warmup_steps);
  if (horizon <= 0) return 1.0;
  const double progress = static_cast<double>(step - warmup_steps) / horizon;
  return std::max(0.0, 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress)));
}

TrainResult train_model(const TrainOptions& options) {
  StopRequestScope scope;
  Run run(options);
  return run.go();
}

}  // namespace decodiff::train
