// Loading and saving a complete model (docs/model-format.md).
#pragma once

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <functional>
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

// Rewrites the `decodiff` metadata of a model file: `edit` changes the parsed
// JSON object; the other metadata keys and every tensor byte are copied as
// they are (streamed: memory stays small for any model size; float16 storage
// stays float16). The edited metadata must still parse; the file is written
// beside the old one, read back, and renamed over it. Throws ModelFileError
// naming the file.
void edit_model_metadata(const std::string& path, const std::function<void(nlohmann::json& decodiff)>& edit);

// Writes config + weights (float32 unless the modules hold another dtype).
void save_model_file(const std::string& path, const ModelConfig& config, const nn::UNetModel& unet,
                     const nn::AutoencoderKL& vae,
                     const std::map<std::string, std::string>& extra_metadata = {});

}  // namespace decodiff
