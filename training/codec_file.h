// The codec file: a general-purpose AutoencoderKL on its own (docs/model-format.md,
// "The codec file"). A safetensors file with the diffusers-named `vae.` tensors and
// one metadata key, `decodiff_codec`: {"format": "decodiff-codec", "format_version": 1,
// "vae": {block_out_channels, layers_per_block, latent_channels, norm_num_groups,
// scaling_factor}, "input": {"size": N}, "training": {...}, "fidelity": {...}}.
// load_pretrained_vae (vae_source.h) reads it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "nn/autoencoder_kl.h"

namespace decodiff::train {

constexpr const char* kCodecMetadataKey = "decodiff_codec";
constexpr int kCodecFormatVersion = 1;

struct CodecInfo {
  nn::VaeConfig vae;                                   // scaling_factor included
  int input_size = 64;                                 // the crop size it was trained and measured at
  nlohmann::json training = nlohmann::json::object();  // free-form provenance
  nlohmann::json fidelity = nlohmann::json::object();  // measured reconstruction quality
};

// Writes the VAE's weights (as float16 when half is true, else float32) and the info.
void write_codec_file(const std::string& path, const nn::AutoencoderKL& vae, const CodecInfo& info,
                      bool half = false);

// Parses the decodiff_codec metadata value; throws std::runtime_error naming the file and the key.
CodecInfo parse_codec_metadata(const std::string& json_text, const std::string& source);

// Resolves a --vae value: an existing path is returned as it is; a bare name
// ("codec", or "codec-v2") names a shipped codec, looked up in
// $DECODIFF_MODELS_DIR/codec, the installed models folder and the source tree's
// models/codec. Anything else is returned unchanged (the caller reports it missing).
std::string resolve_vae_name(const std::string& value);

// The file `--vae codec` names (decodiff-codec-v2.safetensors).
constexpr const char* kDefaultCodecName = "codec";
constexpr const char* kDefaultCodecFile = "decodiff-codec-v2.safetensors";

}  // namespace decodiff::train
