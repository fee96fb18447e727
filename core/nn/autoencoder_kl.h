// Stable Diffusion's KL autoencoder as diffusers' AutoencoderKL
// (DownEncoderBlock2D / UpDecoderBlock2D, one single-head attention per mid block).
// Parameter names and shapes equal diffusers' state_dict.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace decodiff::nn {

namespace detail {
class VaeEncoderImpl;
class VaeDecoderImpl;
}  // namespace detail

struct VaeConfig {
  std::vector<int64_t> block_out_channels{128, 256, 512, 512};
  int64_t layers_per_block = 2, latent_channels = 4, norm_num_groups = 32, in_channels = 3, out_channels = 3;
  double scaling_factor = 0.18215;
};

// Throws std::invalid_argument naming the first field that cannot build a VAE.
void validate(const VaeConfig& cfg);

class AutoencoderKLImpl : public torch::nn::Module {
 public:
  explicit AutoencoderKLImpl(const VaeConfig& cfg);
  // x: [B,in_channels,H,W] in [-1,1]. Returns [B,2*latent,h,w] after quant_conv
  // (mean = channels [0,latent), log-variance the rest, unclamped).
  at::Tensor encode_moments(const at::Tensor& x);
  // Unscaled mean of the posterior (multiply by scaling_factor for the diffusion latent).
  at::Tensor encode_mean(const at::Tensor& x);
  // z: [B,latent,h,w] unscaled (the caller divides by scaling_factor); applies post_quant_conv.
  at::Tensor decode(const at::Tensor& z);
  int64_t downsample_factor() const;  // 2^(len(block_out_channels)-1)
  const VaeConfig& config() const { return cfg_; }

 private:
  VaeConfig cfg_;
  std::shared_ptr<detail::VaeEncoderImpl> encoder_;
  std::shared_ptr<detail::VaeDecoderImpl> decoder_;
  torch::nn::Conv2d quant_conv_{nullptr}, post_quant_conv_{nullptr};
};
TORCH_MODULE(AutoencoderKL);

// Maps old diffusers attention names (query/key/value/proj_attn) to the current ones
// (to_q/to_k/to_v/to_out.0); returns the name unchanged when it is already current.
// Only the names are mapped: old Linear weights have the current shapes.
std::string canonical_vae_name(const std::string& name);

}  // namespace decodiff::nn
