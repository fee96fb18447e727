#include "model_file.h"

#include <torch/nn/module.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

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
      throw ModelFileError(path + ": unexpected tensor '" + name +
                           "' (no such weight in the network the metadata describes)");
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
    const int64_t non_finite = src.numel() - at::isfinite(src).sum().item<int64_t>();
    if (non_finite)
      throw ModelFileError(path + ": tensor '" + it->second + "' has non-finite values (NaN/Inf): " +
                           std::to_string(non_finite) + " of " + std::to_string(src.numel()));
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

void edit_model_metadata(const std::string& path, const std::function<void(nlohmann::json&)>& edit) {
  using json = nlohmann::json;
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& what) -> void { throw ModelFileError(path + ": " + what); };
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open the file");
  std::error_code ec;
  const uint64_t file_size = fs::file_size(path, ec);
  if (ec || file_size < 8) fail("not a safetensors file");
  uint8_t len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  if (header_len > file_size - 8 || header_len > (100u << 20)) fail("bad safetensors header length");
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  if (!in) fail("truncated header");
  json doc, meta;
  try {
    doc = json::parse(header);
    if (!doc.is_object() || !doc.contains("__metadata__") || !doc["__metadata__"].is_object() ||
        !doc["__metadata__"].contains(kMetadataKey) || !doc["__metadata__"][kMetadataKey].is_string())
      fail(std::string("not a decodiff model: no '") + kMetadataKey + "' metadata");
    meta = json::parse(doc["__metadata__"][kMetadataKey].get<std::string>());
  } catch (const json::exception& e) {
    fail(std::string("header is not valid JSON: ") + e.what());
  }
  edit(meta);
  const std::string new_meta = meta.dump();
  ModelConfig::from_json(new_meta, path);  // the engine must still read it
  doc["__metadata__"][kMetadataKey] = new_meta;
  std::string new_header = doc.dump();
  while (new_header.size() % 8) new_header.push_back(' ');  // keeps tensor data 8-byte aligned

  const std::string tmp = path + ".partial";
  auto discard = [&](const std::string& what) {
    fs::remove(tmp, ec);
    fail(what);
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("cannot create '" + tmp + "'");
    const uint64_t n = new_header.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out.write(new_header.data(), static_cast<std::streamsize>(new_header.size()));
    std::vector<char> buf(1 << 20);
    for (uint64_t left = file_size - 8 - header_len; left > 0;) {
      const auto chunk = static_cast<std::streamsize>(std::min<uint64_t>(left, buf.size()));
      in.read(buf.data(), chunk);
      if (in.gcount() != chunk) discard("file shrank while copying");
      out.write(buf.data(), chunk);
      left -= static_cast<uint64_t>(chunk);
    }
    out.flush();
    if (!out) discard("write failed (disk full?)");
  }
  try {
    io::read_safetensors(tmp);
  } catch (const std::exception& e) {
    discard(std::string("the rewritten file does not read back: ") + e.what());
  }
  fs::rename(tmp, path, ec);
  if (ec) discard("cannot rename into place: " + ec.message());
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
