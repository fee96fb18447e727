// decodiff-train --codec-only: trains a general-purpose AutoencoderKL (the
// "codec") on broad content (codec_mix.h: photos, synthetic parts, procedural
// images, cut-and-paste) and writes a codec file (codec_file.h). Checkpoints,
// --resume, a time budget that shapes the learning-rate schedule, a progress
// line and a JSONL log; the held-out photos' PSNR is measured at every
// checkpoint. See docs/training.md, "The codec".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "nn/autoencoder_kl.h"
#include "stop_request.h"  // request_stop(), install_stop_signal_handlers()

namespace decodiff::train {

struct CodecTrainOptions {
  std::string photo_dir;  // empty: Debian's opencv-doc folder
  std::string out;        // codec file, also the rolling checkpoint; <out>.optim.pt beside it
  std::string resume;     // a checkpoint written by an earlier run (usually == out)
  std::string log_path;   // JSONL
  int size = 64;          // the input size it is made for: scaling factor and fidelity are measured at it
  int train_crop = 64;    // crop side while training (the network is convolutional)
  std::vector<int64_t> channels{32, 64, 128};
  int64_t layers_per_block = 1, norm_groups = 16, latent_channels = 4;
  int batch_size = 32;
  double lr = 1e-3, kl_weight = 1e-6, l2_weight = 1.0;
  int64_t steps = 20000;   // the schedule's length in optimiser steps
  double max_minutes = 0;  // > 0: stop then, and run the schedule to its end by then
  double checkpoint_minutes = 5;
  double photo_share = 0.45, synth_share = 0.2, procedural_share = 0.25, paste_share = 0.1;
  int synth_pool = 160;      // synthetic samples rendered up front for the mix
  int eval_crops = 64;       // held-out crops measured at each checkpoint
  int64_t stop_at_step = 0;  // > 0: stop there with a checkpoint, as an interruption would (tests)
  bool store_half = false;   // write the final file's weights as float16
  uint64_t seed = 1;
  int threads = 0;
  std::string device = "auto";
  int log_every = 20;
  bool progress = true;
  std::string command_line;
};

struct CodecTrainResult {
  std::string path;
  int64_t steps_done = 0;
  double psnr_db = 0, l1 = 0;  // held-out fidelity at the last checkpoint
  bool interrupted = false, out_of_time = false;
};

// Throws std::runtime_error / std::invalid_argument with one clear line.
CodecTrainResult train_codec(const CodecTrainOptions& options);

struct CodecFidelity {
  double psnr_db = 0;  // per image 10 log10(1 / MSE) on the [0, 1] pixel scale, then the mean
  double l1 = 0;       // mean |x - x0| in [-1, 1] units
};

// x0 = decode(mean(encode(x))), clamped to [-1, 1], for 8-bit BGR images (any equal sizes).
CodecFidelity measure_fidelity(nn::AutoencoderKL& vae, const std::vector<cv::Mat>& bgr_images,
                               int batch_size = 16);

// 8-bit BGR images -> [B,3,H,W] RGB float in [-1, 1].
at::Tensor images_to_tensor(const std::vector<cv::Mat>& bgr_images);

}  // namespace decodiff::train
