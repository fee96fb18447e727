// A pretrained AutoencoderKL for training: a diffusers folder (config.json +
// diffusion_pytorch_model.safetensors), a diffusers safetensors file (config
// inferred from the tensor shapes), or a decodiff model file (its vae.* part).
#pragma once

#include <string>

#include "nn/autoencoder_kl.h"

namespace decodiff::train {

struct PretrainedVae {
  nn::VaeConfig config;
  nn::AutoencoderKL vae{nullptr};  // eval mode, CPU, float32
};

// Throws std::runtime_error naming the file (and tensor) on any mismatch.
PretrainedVae load_pretrained_vae(const std::string& path);

}  // namespace decodiff::train
