// Loading and saving a complete model (DESIGN.md, CONTRACT: the model file).
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>

#include "model_config.h"
#include "nn/autoencoder_kl.h"
#include "nn/unet.h"

namespace decodiff {

struct LoadedModel {
  ModelConfig config;
  nn::UNetModel unet{nullptr};
  nn::AutoencoderKL vae{nullptr};
};

// Only the metadata (cheap: reads the header, not the weights).
ModelConfig read_model_config(const std::string& path);

// Builds the networks the metadata describes and fills them strictly: every
// expected tensor present with its exact shape and a floating dtype (F32, F16,
// BF16), no unexpected tensor. VAE names in the older diffusers spelling
// (query/key/value/proj_attn) are accepted. Throws ModelFileError naming the
// file and the tensor. The modules are in eval mode on `device` with `dtype`.
LoadedModel load_model_file(const std::string& path, const at::Device& device = at::kCPU,
                            at::ScalarType dtype = at::kFloat);

// Writes config + weights (float32 unless the modules hold another dtype).
void save_model_file(const std::string& path, const ModelConfig& config, const nn::UNetModel& unet,
                     const nn::AutoencoderKL& vae, const std::map<std::string, std::string>& extra_metadata = {});

}  // namespace decodiff
