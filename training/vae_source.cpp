#include "vae_source.h"

#include <torch/nn/module.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "codec_file.h"
#include "io/safetensors.h"
#include "model_config.h"

namespace decodiff::train {
namespace fs = std::filesystem;

namespace {

// block_out_channels / layers_per_block / latent_channels from diffusers tensor names.
nn::VaeConfig infer_config(const std::map<std::string, at::Tensor>& t, const std::string& path) {
  nn::VaeConfig c;
  c.block_out_channels.clear();
  const std::regex conv1(R"(encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.conv1\.weight)");
  std::map<int, int64_t> width;
  std::map<int, int> resnets;
  for (const auto& [name, tensor] : t) {
    std::smatch m;
    if (std::regex_match(name, m, conv1)) {
      const int block = std::stoi(m[1]), res = std::stoi(m[2]);
      resnets[block] = std::max(resnets[block], res + 1);
      if (res == 0) width[block] = tensor.size(0);
    }
  }
  if (width.empty())
    throw std::runtime_error(path +
                             ": no encoder.down_blocks.*.resnets.*.conv1.weight: not an AutoencoderKL");
  for (int i = 0; i < static_cast<int>(width.size()); ++i) {
    if (!width.count(i))
      throw std::runtime_error(path + ": encoder.down_blocks." + std::to_string(i) + " is missing");
    c.block_out_channels.push_back(width[i]);
  }
  c.layers_per_block = resnets[0];
  auto it = t.find("decoder.conv_in.weight");
  if (it == t.end()) throw std::runtime_error(path + ": missing tensor 'decoder.conv_in.weight'");
  c.latent_channels = it->second.size(1);
  // GroupNorm group count is not stored in the weights; diffusers' default.
  c.norm_num_groups = 32;
  return c;
}

nn::VaeConfig config_from_diffusers_json(const std::string& file) {
  std::ifstream in(file);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw std::runtime_error(file + ": bad JSON: " + e.what());
  }
  nn::VaeConfig c;
  try {
    c.block_out_channels = j.at("block_out_channels").get<std::vector<int64_t>>();
    c.layers_per_block = j.value("layers_per_block", int64_t{1});
    c.latent_channels = j.value("latent_channels", int64_t{4});
    c.norm_num_groups = j.value("norm_num_groups", int64_t{32});
    c.in_channels = j.value("in_channels", int64_t{3});
    c.out_channels = j.value("out_channels", int64_t{3});
    c.scaling_factor = j.value("scaling_factor", 0.18215);
  } catch (const std::exception& e) {
    throw std::runtime_error(file + ": " + e.what());
  }
  return c;
}

void fill(nn::AutoencoderKL& vae, const std::map<std::string, at::Tensor>& file, const std::string& prefix,
          const std::string& path) {
  std::map<std::string, at::Tensor> expected;
  for (const auto& p : vae->named_parameters(true)) expected[p.key()] = p.value();
  for (const auto& b : vae->named_buffers(true)) expected[b.key()] = b.value();
  std::map<std::string, std::string> found;
  for (const auto& [name, _] : file) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string local = nn::canonical_vae_name(name.substr(prefix.size()));
    if (!expected.count(local)) throw std::runtime_error(path + ": unexpected VAE tensor '" + name + "'");
    found[local] = name;
  }
  at::NoGradGuard no_grad;
  for (auto& [local, target] : expected) {
    auto it = found.find(local);
    if (it == found.end()) throw std::runtime_error(path + ": missing VAE tensor '" + prefix + local + "'");
    const auto& src = file.at(it->second);
    if (src.sizes() != target.sizes()) {
      std::ostringstream msg;
      msg << path << ": VAE tensor '" << it->second << "' has shape " << src.sizes() << ", expected "
          << target.sizes();
      throw std::runtime_error(msg.str());
    }
    target.copy_(src.to(at::kFloat));
  }
}

}  // namespace

PretrainedVae load_pretrained_vae(const std::string& name_or_path) {
  const std::string path = resolve_vae_name(name_or_path);
  std::error_code ec;
  std::string weights = path;
  std::optional<nn::VaeConfig> config;
  if (fs::is_directory(path, ec)) {
    weights = (fs::path(path) / "diffusion_pytorch_model.safetensors").string();
    const auto json = fs::path(path) / "config.json";
    if (!fs::is_regular_file(weights, ec))
      throw std::runtime_error("VAE folder '" + path + "' has no diffusion_pytorch_model.safetensors");
    if (fs::is_regular_file(json, ec)) config = config_from_diffusers_json(json.string());
  } else if (!fs::is_regular_file(path, ec)) {
    throw std::runtime_error("VAE '" + path + "' does not exist");
  }
  io::SafetensorsContent content;
  try {
    content = io::read_safetensors(weights);
  } catch (const std::exception& e) {
    throw std::runtime_error(e.what());
  }
  std::string prefix;
  auto meta = content.metadata.find("decodiff");
  auto codec = content.metadata.find(kCodecMetadataKey);
  if (codec != content.metadata.end()) {
    config = parse_codec_metadata(codec->second, weights).vae;
    prefix = "vae.";
  } else if (meta != content.metadata.end()) {
    config = ModelConfig::from_json(meta->second, weights).vae;
    prefix = "vae.";
  } else if (!config) {
    config = infer_config(content.tensors, weights);
  }
  PretrainedVae out;
  out.config = *config;
  try {
    out.vae = nn::AutoencoderKL(out.config);
  } catch (const std::exception& e) {
    throw std::runtime_error(weights + ": cannot build the VAE it describes: " + e.what());
  }
  fill(out.vae, content.tensors, prefix, weights);
  out.vae->eval();
  return out;
}

}  // namespace decodiff::train
