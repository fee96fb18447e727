// The DeCo-Diff UNet: the reference latent-diffusion UNetModel with
// SpatialTransformer blocks and a class embedding as the single cross-attention
// token. Parameter names and shapes equal the reference state_dict.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

namespace decodiff::nn {

class EmbedSequentialImpl;

struct UNetConfig {
  int64_t model_channels = 64, num_heads = 4, num_res_blocks = 2;
  std::vector<int64_t> channel_mult{1, 2, 4};
  std::vector<int64_t> attention_resolutions{4, 2, 1};
  int64_t context_dim = 128, transformer_depth = 1, ncls = 15, in_channels = 4, out_channels = 4;
  double dropout = 0.4;  // active only in train()
};

// The reference presets "XS", "S", "M", "L", "XL" (also spelled "UNet_XS", ...).
// Throws std::invalid_argument listing the legal names.
UNetConfig unet_preset(const std::string& name, int64_t ncls);

// Throws std::invalid_argument naming the first field that cannot build a UNet.
void validate(const UNetConfig& cfg);

// Parameter count of UNetModel(cfg), computed from the config without building it.
int64_t unet_parameter_count(const UNetConfig& cfg);

// Heads and per-head width of the transformer at a block of `channels` channels
// (the reference: head width model_channels/num_heads, heads = channels/head width,
// dim_head = channels/heads, so heads*dim_head may be below channels).
struct AttentionShape {
  int64_t heads, dim_head;
};
AttentionShape unet_attention_shape(const UNetConfig& cfg, int64_t channels);

class UNetModelImpl : public torch::nn::Module {
 public:
  explicit UNetModelImpl(const UNetConfig& cfg);
  // x: [B,in_channels,h,w] float, h and w multiples of 2^(levels-1); timesteps: [B] integer or float,
  // the raw timestep index (0..9 in DeCo-Diff); class_ids: [B] integer in [0, ncls).
  // Returns [B,out_channels,h,w]. Call eval() for inference (dropout is active in training mode).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& timesteps, const at::Tensor& class_ids);
  const UNetConfig& config() const { return cfg_; }

 private:
  at::Tensor timestep_embedding(const at::Tensor& timesteps);

  UNetConfig cfg_;
  torch::nn::Embedding class_embedding_{nullptr};  // cond_stage_model.embedding
  torch::nn::Linear time_embed_0_{nullptr}, time_embed_2_{nullptr};
  torch::nn::ModuleList input_blocks_{nullptr}, output_blocks_{nullptr};
  std::shared_ptr<EmbedSequentialImpl> middle_block_;
  torch::nn::GroupNorm out_norm_{nullptr};
  torch::nn::Conv2d out_conv_{nullptr};
  at::Tensor freqs_;  // sinusoid frequencies, kept off the state_dict; follows the input's device
};
TORCH_MODULE(UNetModel);

}  // namespace decodiff::nn
