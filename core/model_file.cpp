#include "model_file.h"

#include <torch/nn/module.h>

#include <fstream>
#include <set>

#include "io/safetensors.h"

namespace decodiff {
namespace {

constexpr const char* kMetadataKey = "decodiff";

std::map<std::string, at::Tensor> module_tensors(const torch::nn::Module& module) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value();
  return out;
}

// Copies file tensors into the module's tensors; `prefix` is "unet." or "vae.".
void fill_module(const std::string& path, const std::string& prefix, torch::nn::Module& module,
                 std::map<std::string, at::Tensor>& file_tensors, bool vae_names) {
  auto expected = module_tensors(module);
  std::map<std::string, std::string> file_name_of;  // canonical -> name in the file
  for (const auto& [name, _] : file_tensors) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string local = name.substr(prefix.size());
    if (vae_names) local = nn::canonical_vae_name(local);
    if (!expected.count(local))
      throw ModelFileError(path + ": unexpected tensor '" + name + "' (no such weight in the network the metadata describes)");
    if (file_name_of.count(local))
      throw ModelFileError(path + ": tensor '" + name + "' duplicates '" + file_name_of[local] + "'");
    file_name_of[local] = name;
  }
  at::NoGradGuard no_grad;
  for (auto& [local, target] : expected) {
    auto it = file_name_of.find(local);
    if (it == file_name_of.end()) throw ModelFileError(path + ": missing tensor '" + prefix + local + "'");
    const at::Tensor& src = file_tensors.at(it->second);
    if (src.sizes() != target.sizes()) {
      std::ostringstream msg;
      msg << path << ": tensor '" << it->second << "' has shape " << src.sizes() << " but the network needs "
          << target.sizes();
      throw ModelFileError(msg.str());
    }
    const auto t = src.scalar_type();
    if (t != at::kFloat && t != at::kHalf && t != at::kBFloat16)
      throw ModelFileError(path + ": tensor '" + it->second + "' has dtype " + std::string(c10::toString(t)) +
                           "; weights must be F32, F16 or BF16");
    target.copy_(src);
  }
}

}  // namespace

ModelConfig read_model_config(const std::string& path) {
  // The header alone would do, but weights are needed by every caller that
  // matters; keep one code path and its checks.
  auto content = io::read_safetensors(path);
  auto it = content.metadata.find(kMetadataKey);
  if (it == content.metadata.end())
    throw ModelFileError(path + ": not a decodiff model: no '" + std::string(kMetadataKey) + "' metadata");
  return ModelConfig::from_json(it->second, path);
}

LoadedModel load_model_file(const std::string& path, const at::Device& device, at::ScalarType dtype) {
  io::SafetensorsContent content;
  try {
    content = io::read_safetensors(path);
  } catch (const io::SafetensorsError& e) {
    throw ModelFileError(e.what());
  }
  auto it = content.metadata.find(kMetadataKey);
  if (it == content.metadata.end())
    throw ModelFileError(path + ": not a decodiff model: no '" + std::string(kMetadataKey) + "' metadata");
  LoadedModel model;
  model.config = ModelConfig::from_json(it->second, path);
  for (const auto& [name, _] : content.tensors) {
    if (name.rfind("unet.", 0) != 0 && name.rfind("vae.", 0) != 0)
      throw ModelFileError(path + ": unexpected tensor '" + name + "' (names start with 'unet.' or 'vae.')");
  }
  try {
    model.unet = nn::UNetModel(model.config.unet);
    model.vae = nn::AutoencoderKL(model.config.vae);
  } catch (const std::exception& e) {
    throw ModelFileError(path + ": the metadata describes a network that cannot be built: " + e.what());
  }
  fill_module(path, "unet.", *model.unet, content.tensors, false);
  fill_module(path, "vae.", *model.vae, content.tensors, true);
  model.unet->eval();
  model.vae->eval();
  model.unet->to(device, dtype);
  model.vae->to(device, dtype);
  return model;
}

void save_model_file(const std::string& path, const ModelConfig& config, const nn::UNetModel& unet,
                     const nn::AutoencoderKL& vae, const std::map<std::string, std::string>& extra_metadata) {
  std::map<std::string, at::Tensor> tensors;
  for (const auto& [k, v] : module_tensors(*unet)) tensors["unet." + k] = v;
  for (const auto& [k, v] : module_tensors(*vae)) tensors["vae." + k] = v;
  auto metadata = extra_metadata;
  metadata[kMetadataKey] = config.to_json();
  try {
    io::write_safetensors(path, tensors, metadata);
  } catch (const io::SafetensorsError& e) {
    throw ModelFileError(e.what());
  }
}

}  // namespace decodiff
