#include "codec_file.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "decodiff_config.h"
#include "io/safetensors.h"

namespace decodiff::train {
namespace fs = std::filesystem;

void write_codec_file(const std::string& path, const nn::AutoencoderKL& vae, const CodecInfo& info,
                      bool half) {
  std::map<std::string, at::Tensor> tensors;
  for (const auto& p : vae->named_parameters(true))
    tensors["vae." + p.key()] = p.value().detach().to(at::kCPU, half ? at::kHalf : at::kFloat);
  for (const auto& b : vae->named_buffers(true))
    tensors["vae." + b.key()] = b.value().detach().to(at::kCPU, half ? at::kHalf : at::kFloat);
  const nn::VaeConfig& c = info.vae;
  nlohmann::json meta = {{"format", "decodiff-codec"},
                         {"format_version", kCodecFormatVersion},
                         {"vae",
                          {{"block_out_channels", c.block_out_channels},
                           {"layers_per_block", c.layers_per_block},
                           {"latent_channels", c.latent_channels},
                           {"norm_num_groups", c.norm_num_groups},
                           {"in_channels", c.in_channels},
                           {"out_channels", c.out_channels},
                           {"scaling_factor", c.scaling_factor}}},
                         {"input", {{"size", info.input_size}}},
                         {"training", info.training},
                         {"fidelity", info.fidelity}};
  if (half) meta["stored_as"] = "float16";
  io::write_safetensors(path, tensors, {{kCodecMetadataKey, meta.dump()}});
}

CodecInfo parse_codec_metadata(const std::string& json_text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const std::exception& e) {
    throw std::runtime_error(source + ": the " + std::string(kCodecMetadataKey) +
                             " metadata is not JSON: " + e.what());
  }
  CodecInfo info;
  std::string key;
  try {
    key = "format_version";
    const int version = j.at(key).get<int>();
    if (version != kCodecFormatVersion)
      throw std::runtime_error(source + ": codec format_version " + std::to_string(version) +
                               " is not supported (this build reads " + std::to_string(kCodecFormatVersion) +
                               ")");
    const auto& v = j.at(key = "vae");
    key = "vae.block_out_channels";
    info.vae.block_out_channels = v.at("block_out_channels").get<std::vector<int64_t>>();
    key = "vae.layers_per_block";
    info.vae.layers_per_block = v.at("layers_per_block").get<int64_t>();
    key = "vae.latent_channels";
    info.vae.latent_channels = v.at("latent_channels").get<int64_t>();
    key = "vae.norm_num_groups";
    info.vae.norm_num_groups = v.at("norm_num_groups").get<int64_t>();
    key = "vae.scaling_factor";
    info.vae.scaling_factor = v.at("scaling_factor").get<double>();
    key = "vae.in_channels";
    info.vae.in_channels = v.value("in_channels", int64_t{3});
    key = "vae.out_channels";
    info.vae.out_channels = v.value("out_channels", int64_t{3});
    key = "input.size";
    info.input_size = j.value("input", nlohmann::json::object()).value("size", 64);
    info.training = j.value("training", nlohmann::json::object());
    info.fidelity = j.value("fidelity", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(source + ": codec metadata key '" + key + "' is missing or has a wrong type");
  }
  return info;
}

std::string resolve_vae_name(const std::string& value) {
  std::error_code ec;
  if (value.empty() || fs::exists(value, ec)) return value;
  if (value.find('/') != std::string::npos || value.find('.') != std::string::npos) return value;
  const std::string file =
      value == kDefaultCodecName ? kDefaultCodecFile : "decodiff-" + value + ".safetensors";
  std::vector<fs::path> folders;
  if (const char* env = std::getenv("DECODIFF_MODELS_DIR")) folders.push_back(fs::path(env) / "codec");
  folders.push_back(fs::path(DECODIFF_MODELS_INSTALL_DIR) / "codec");
  folders.push_back(fs::path(DECODIFF_SOURCE_DIR) / "models" / "codec");
  for (const auto& f : folders)
    if (fs::is_regular_file(f / file, ec)) return (f / file).string();
  std::string tried;
  for (const auto& f : folders) tried += (tried.empty() ? "" : ", ") + (f / file).string();
  throw std::runtime_error("--vae " + value + ": no shipped codec of that name (looked for " + tried + ")");
}

}  // namespace decodiff::train
