// decodiff-train's engine: optional KL-autoencoder training, then DeCo-Diff UNet
// training (docs/algorithm.md), checkpoints in the model-file format,
// resume, progress and a JSONL loss log. See docs/training.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "stop_request.h"  // request_stop(), install_stop_signal_handlers()

namespace decodiff::train {

struct TrainOptions {
  // --- data (at least one of data_root / videos) ---
  std::string data_root;                   // MVTec / VisA / folder layout (data/datasets/dataset_index.h)
  std::vector<std::string> only_classes;   // restrict to these classes (empty: all)
  std::vector<std::string> videos;         // videos of normal production
  std::vector<std::string> video_classes;  // class name per video (default: the file's stem)
  int video_stride = 5;
  std::string video_roi;     // "x,y,w,h" or empty
  int video_max_frames = 0;  // per video, 0 = all
  int resize = 288, crop = 256;
  bool augment = true;
  int rotate180 = -1;   // -1: on for VisA only (the reference), 0 off, 1 on
  bool mirror = false;  // left-right mirror with p=0.5 (not in the reference; for mirror-symmetric content)

  // --- networks ---
  std::string unet_preset = "XS";
  int64_t model_channels = 0, num_heads = 0, context_dim = 0, num_res_blocks = 0;  // 0 = the preset's
  std::vector<int64_t> channel_mult;                                               // empty = preset's [1,2,4]
  std::string vae_path;    // pretrained AutoencoderKL, frozen
  bool train_vae = false;  // else: train a KL autoencoder first
  std::vector<int64_t> vae_channels{32, 64, 128};
  int64_t vae_layers_per_block = 1, vae_norm_groups = 16;
  int vae_epochs = 20;
  double vae_lr = 1e-3, kl_weight = 1e-6;
  int vae_batch_size = 0;  // 0 = batch_size

  // --- optimisation ---
  int epochs = 100, batch_size = 16, accumulation = 1;
  int warmup_epochs = -1;  // -1: 10 (the reference) capped at a tenth of the epochs
  double lr = 1e-4, weight_decay = 1e-4, ema_decay = 0;  // ema_decay 0 = no EMA
  double mask_ratio = 0.7, patch_shuffle_ratio = 0.3;
  uint64_t seed = 0;
  double max_minutes = 0;  // 0 = no time budget
  std::string device = "auto";
  bool mixed_precision = true;  // bf16 autocast on CUDA; ignored on CPU
  int threads = 0;              // torch intra-op threads, 0 = LibTorch's default
  int latent_cache_mb = 1024;   // cache of the frozen encoder's output per image and augmentation (0: off)

  // --- output ---
  std::string out;            // model file (also the rolling checkpoint); <out>.optim.pt beside it
  int checkpoint_every = 10;  // epochs
  std::string resume;         // checkpoint to continue from (usually == out)
  std::string log_path;       // JSONL losses
  int log_every = 10;         // optimiser steps between log lines
  bool progress = true;       // the updating line on stderr
  std::string command_line;   // recorded in the model's training provenance

  // --- several processes (torchrun: RANK, WORLD_SIZE, ... in the environment; docs/training.md) ---
  double dist_timeout_s = 300;     // rendezvous and every collective; a lost or hanging rank fails the others
  bool every_rank_writes = false;  // tests: rank r > 0 also writes its checkpoint, to <out>.rank<r>
  // One process drawing the UNet phase's posterior noise as several ranks do (from the
  // objective's generator) instead of its former stream: for comparisons with several ranks.
  bool rank_random_stream = false;
  // Tests: rank 0 writes the gradients of this run's first optimiser step of each phase (the
  // ranks' average) and the weights after it to <path>.vae.pt and <path>.unet.pt (step_dump.h).
  std::string first_step_dump;
  double unet_dropout = -1;  // tests: the UNet's dropout (-1: the preset's)
};

struct TrainResult {
  std::string model_path;
  int64_t epochs_done = 0, steps_done = 0;
  double first_loss = 0, last_loss = 0;  // mean loss of the first / last epoch of this run (UNet)
  bool interrupted = false;              // stopped by a signal or request_stop(); a checkpoint was written
  bool out_of_time = false;              // stopped by max_minutes; a checkpoint was written
  int rank = 0, world_size = 1;          // this process's place among the ranks (torchrun)
};

// Runs training. Throws std::runtime_error / std::invalid_argument with one clear line.
TrainResult train_model(const TrainOptions& options);

// The learning-rate factor at optimiser step `step` (0-based): linear warm-up over
// warmup_steps, then the reference's cosine (get_cosine_schedule_with_warmup) over a
// horizon of 1.5 x total_steps, as the reference's epochs*1.5.
double lr_factor(int64_t step, int64_t warmup_steps, int64_t total_steps);

}  // namespace decodiff::train
