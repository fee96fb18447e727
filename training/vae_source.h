// A pretrained AutoencoderKL for training: a diffusers folder (config.json +
// diffusion_pytorch_model.safetensors), a diffusers safetensors file (config
// inferred from the tensor shapes), a decodiff model file (its vae.* part), a
// codec file (codec_file.h), or the name of a shipped codec ("codec").
#pragma once

#include <string>

#include "nn/autoencoder_kl.h"

namespace decodiff::train {

struct PretrainedVae {
  nn::VaeConfig config;
  nn::AutoencoderKL vae{nullptr};  // eval mode, CPU, float32
};

// Throws std::runtime_error naming the file (and tensor) on any mismatch.
PretrainedVae load_pretrained_vae(const std::string& name_or_path);

}  // namespace decodiff::train
