// decodiff-train: trains a DeCo-Diff model (docs/training.md).
#include <CLI/CLI.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "codec_trainer.h"
#include "error_text.h"
#include "trainer.h"

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int run_codec_training(const decodiff::train::CodecTrainOptions& co) {
  decodiff::train::install_stop_signal_handlers();
  try {
    auto r = decodiff::train::train_codec(co);
    const char* how = r.interrupted ? "interrupted" : r.out_of_time ? "time budget reached" : "done";
    std::cerr << "decodiff-train: codec " << how << " after " << r.steps_done << " steps; held-out PSNR "
              << r.psnr_db << " dB, L1 " << r.l1 << "; wrote " << r.path
              << (r.interrupted ? " (continue with --resume " + r.path + ")" : std::string()) << "\n";
    return r.interrupted ? 130 : 0;
  } catch (const std::exception& e) {
    std::cerr << "decodiff-train: error: " << decodiff::error_text(e) << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using decodiff::train::TrainOptions;
  TrainOptions o;
  std::string classes, video_classes, size = "XS";
  CLI::App app{
      "Train a DeCo-Diff model (UNet + KL autoencoder) from images or videos of normal parts.\n"
      "Writes one model file (the format of docs/model-format.md) that is also the rolling checkpoint."};
  app.set_help_flag("-h,--help", "Print this help message and exit");
  auto* data = app.add_option(
      "--data", o.data_root,
      "Dataset folder: MVTec-AD layout, VisA (split_csv/1cls.csv), or folder(s) of normal images");
  app.add_option("--classes", classes, "Comma-separated classes to train on (default: all)");
  app.add_option("--video", o.videos, "Video of normal production (repeatable)");
  app.add_option("--video-class", video_classes,
                 "Comma-separated class name per video (default: the file's stem)");
  app.add_option("--video-stride", o.video_stride, "Keep every N-th video frame")->capture_default_str();
  app.add_option("--video-roi", o.video_roi, "Region of the video frames to train on: x,y,w,h");
  app.add_option("--video-max-frames", o.video_max_frames, "Frames kept per video (0: all)")
      ->capture_default_str();
  app.add_option("--resize", o.resize, "Images are resized (bicubic) to this square size ...")
      ->capture_default_str();
  app.add_option("--crop", o.crop, "... then center-cropped to this size (the model input)")
      ->capture_default_str();
  app.add_option("--augment", o.augment,
                 "Random translation (and 180-degree rotation for VisA) as the reference")
      ->capture_default_str();
  app.add_option("--rotate180", o.rotate180, "-1: VisA only, 0: never, 1: always (p=0.5)")
      ->capture_default_str();
  app.add_option("--mirror", o.mirror,
                 "Left-right mirror (p=0.5) when augmenting: for content that is mirror-symmetric")
      ->capture_default_str();

  app.add_option("--size", size, "UNet preset: XS, S, M, L, XL")->capture_default_str();
  app.add_option("--model-channels", o.model_channels, "UNet width (overrides the preset)");
  app.add_option("--num-heads", o.num_heads, "UNet attention heads (overrides the preset)");
  app.add_option("--context-dim", o.context_dim, "Class-embedding width (overrides the preset)");
  app.add_option("--num-res-blocks", o.num_res_blocks, "Residual blocks per level (overrides the preset)");
  app.add_option("--channel-mult", o.channel_mult, "UNet channel multipliers per level, e.g. 1 2 4")
      ->delimiter(',');
  auto* vae = app.add_option(
      "--vae", o.vae_path,
      "Pretrained AutoencoderKL, kept frozen: 'codec' (the shipped general-purpose codec, the default), a "
      "codec file, a diffusers folder or safetensors, or a decodiff model file");
  auto* train_vae = app.add_flag("--train-vae", o.train_vae,
                                 "Train a KL autoencoder first on the same images (no download needed)");
  vae->excludes(train_vae);
  app.add_option("--vae-channels", o.vae_channels, "Trained VAE: block_out_channels, e.g. 32,64,128")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--vae-layers-per-block", o.vae_layers_per_block, "Trained VAE: resnets per block")
      ->capture_default_str();
  app.add_option("--vae-norm-groups", o.vae_norm_groups, "Trained VAE: GroupNorm groups")
      ->capture_default_str();
  app.add_option("--vae-epochs", o.vae_epochs, "Trained VAE: epochs")->capture_default_str();
  app.add_option("--vae-lr", o.vae_lr, "Trained VAE: learning rate")->capture_default_str();
  app.add_option("--vae-batch-size", o.vae_batch_size, "Trained VAE: batch size (0: --batch-size)")
      ->capture_default_str();
  app.add_option("--kl-weight", o.kl_weight, "Trained VAE: weight of the KL term")->capture_default_str();

  decodiff::train::CodecTrainOptions co;
  bool codec_only = false;
  app.add_flag("--codec-only", codec_only,
               "Train only a general-purpose codec (AutoencoderKL) on broad content: photos (--photos), "
               "synthetic parts and procedural images; writes a codec file for --vae");
  app.add_option("--photos", co.photo_dir, "Codec: folder of the opencv-doc photos (default: Debian's)");
  app.add_option("--codec-size", co.size, "Codec: the input size it is made for (scaling factor, fidelity)")
      ->capture_default_str();
  app.add_option("--codec-crop", co.train_crop, "Codec: crop side while training")->capture_default_str();
  app.add_option("--codec-steps", co.steps, "Codec: schedule length in optimiser steps")
      ->capture_default_str();
  app.add_option("--latent-channels", co.latent_channels, "Codec: latent channels")->capture_default_str();
  app.add_option("--l2-weight", co.l2_weight, "Codec: weight of the squared error beside the L1")
      ->capture_default_str();
  app.add_option("--checkpoint-minutes", co.checkpoint_minutes, "Codec: minutes between checkpoints")
      ->capture_default_str();
  app.add_option("--codec-fp16", co.store_half, "Codec: store the final weights as float16")
      ->capture_default_str();
  std::vector<double> codec_mix{co.photo_share, co.synth_share, co.procedural_share, co.paste_share};
  app.add_option(
         "--codec-mix", codec_mix,
         "Codec: shares of photo, synthetic, procedural and cut-and-paste crops, e.g. 0.45,0.2,0.25,0.1")
      ->delimiter(',')
      ->expected(4)
      ->capture_default_str();

  app.add_option("--epochs", o.epochs, "Epochs of UNet training")->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "Images per forward pass")->capture_default_str();
  app.add_option("--accumulation", o.accumulation, "Forward passes per optimiser step")
      ->capture_default_str();
  app.add_option("--lr", o.lr, "AdamW learning rate")->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "AdamW weight decay")->capture_default_str();
  app.add_option("--warmup-epochs", o.warmup_epochs, "Linear warm-up (-1: min(10, epochs/10))")
      ->capture_default_str();
  app.add_option("--ema", o.ema_decay, "EMA decay of the saved weights (0: off), e.g. 0.999")
      ->capture_default_str();
  app.add_option("--mask-ratio", o.mask_ratio, "Keep-mask ratio r ~ U(0, this)")->capture_default_str();
  app.add_option("--patch-shuffle-ratio", o.patch_shuffle_ratio, "Shuffled-patch ratio r' ~ U(0, this)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Random seed")->capture_default_str();
  app.add_option("--max-minutes", o.max_minutes,
                 "Stop (with a checkpoint) after this many minutes (0: no limit)")
      ->capture_default_str();
  app.add_option("--device", o.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--mixed-precision", o.mixed_precision, "bf16 autocast on CUDA")->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads (0: LibTorch's default)")->capture_default_str();
  app.add_option("--latent-cache-mb", o.latent_cache_mb,
                 "Memory for caching the frozen encoder per image and augmentation (0: off)")
      ->capture_default_str();

  app.add_option("--out", o.out,
                 "Model file to write (also the checkpoint; <out>.optim.pt holds the optimiser)")
      ->required();
  app.add_option("--checkpoint-every", o.checkpoint_every, "Epochs between checkpoints")
      ->capture_default_str();
  app.add_option("--resume", o.resume,
                 "Continue from this checkpoint (its networks, classes and optimiser state)");
  app.add_option("--log", o.log_path, "Append losses as JSON lines to this file");
  app.add_option("--log-every", o.log_every, "Optimiser steps between log lines")->capture_default_str();
  bool quiet = false;
  app.add_flag("--quiet", quiet, "No progress line");
  app.add_option("--dist-timeout", o.dist_timeout_s,
                 "Several ranks (torchrun): seconds after which a lost or hanging rank makes the others fail")
      ->capture_default_str();
  app.footer(
      "Examples:\n"
      "  decodiff-train --data synth --train-vae --resize 72 --crop 64 --epochs 50 --out model.safetensors\n"
      "  decodiff-train --data mvtec --vae sd-vae-ft-ema --size L --batch-size 64 --accumulation 2 --out "
      "mvtec.safetensors\n"
      "  decodiff-train --video line1.mp4 --video-class part --video-stride 10 --train-vae --out "
      "part.safetensors\n"
      "  decodiff-train ... --resume model.safetensors   (continue an interrupted run)\n"
      "  decodiff-train --codec-only --max-minutes 50 --out codec.safetensors   (a general-purpose codec)\n"
      "  torchrun --no-python --nproc-per-node 2 decodiff-train -- --data synth ... --out model.safetensors\n"
      "      (data parallel: 2 ranks; the -- keeps torchrun from reading decodiff-train's options)");
  (void)data;
  // `torchrun ... decodiff-train -- ARGS`: torchrun drops the `--`; a launcher that passes it on
  // gets the same meaning (everything after it is decodiff-train's).
  std::vector<char*> args(argv, argv + argc);
  if (args.size() > 1 && std::string(args[1]) == "--") args.erase(args.begin() + 1);
  argc = static_cast<int>(args.size());
  argv = args.data();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  o.unet_preset = size;
  o.only_classes = split_list(classes);
  o.video_classes = split_list(video_classes);
  o.progress = !quiet;
  std::string cmd = "decodiff-train";
  for (int i = 1; i < argc; ++i) cmd += std::string(" ") + argv[i];
  o.command_line = cmd;
  // Our errors are one clear line; OpenCV's own warnings (e.g. about a bad video) would add more.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  setenv("OPENCV_FFMPEG_LOGLEVEL", "-8",
         0);  // FFmpeg's own messages (AV_LOG_QUIET) unless the user asks for them
  if (codec_only) {
    const char* world = std::getenv("WORLD_SIZE");
    if (world && std::string(world) != "1" && std::string(world) != "") {
      std::cerr << "decodiff-train: error: --codec-only runs in one process (WORLD_SIZE=" << world << ")\n";
      return 1;
    }
    co.out = o.out;
    co.resume = o.resume;
    co.log_path = o.log_path;
    co.log_every = o.log_every;
    co.progress = o.progress;
    co.channels = o.vae_channels;
    co.layers_per_block = o.vae_layers_per_block;
    co.norm_groups = o.vae_norm_groups;
    co.lr = o.vae_lr;
    co.kl_weight = o.kl_weight;
    if (app.count("--batch-size")) co.batch_size = o.batch_size;
    co.seed = app.count("--seed") ? o.seed : co.seed;
    co.max_minutes = o.max_minutes;
    co.device = o.device;
    co.threads = o.threads;
    co.command_line = o.command_line;
    co.photo_share = codec_mix[0];
    co.synth_share = codec_mix[1];
    co.procedural_share = codec_mix[2];
    co.paste_share = codec_mix[3];
    return run_codec_training(co);
  }
  // Without --vae and --train-vae the UNet is trained on the shipped codec.
  if (o.vae_path.empty() && !o.train_vae && o.resume.empty()) o.vae_path = "codec";
  decodiff::train::install_stop_signal_handlers();
  try {
    auto r = decodiff::train::train_model(o);
    if (r.rank != 0) return r.interrupted ? 130 : 0;  // rank 0 reports for all
    if (r.interrupted) {
      std::cerr << "decodiff-train: interrupted; checkpoint written to " << r.model_path
                << " (continue with --resume " << r.model_path << ")\n";
      return 130;
    }
    if (r.out_of_time) {
      std::cerr << "decodiff-train: time budget reached after " << r.epochs_done
                << " epochs; checkpoint written to " << r.model_path << "\n";
      return 0;
    }
    std::cerr << "decodiff-train: wrote " << r.model_path << " (" << r.epochs_done << " epochs, "
              << r.steps_done << " steps, epoch loss " << r.first_loss << " -> " << r.last_loss
              << (r.world_size > 1 ? ", " + std::to_string(r.world_size) + " ranks" : std::string()) << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "decodiff-train: error: " << decodiff::error_text(e) << "\n";
    return 1;
  }
}
