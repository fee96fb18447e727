// Building blocks of the reference latent-diffusion UNetModel
// (ldm/modules/diffusionmodules/openaimodel.py), with its child names.
#pragma once

#include "nn/spatial_transformer.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace decodiff::nn {

// Residual block conditioned on the time embedding:
// in_layers (GroupNorm32, SiLU, conv3x3), emb_layers (SiLU, Linear),
// out_layers (GroupNorm32, SiLU, Dropout, zero-initialised conv3x3), skip_connection (1x1 conv when
// the width changes).
class ResBlockImpl : public torch::nn::Module {
 public:
  ResBlockImpl(int64_t channels, int64_t emb_channels, double dropout, int64_t out_channels);
  // emb_silu: SiLU(time embedding), [B, emb_channels]; shared by all blocks, so computed once by the caller.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& emb_silu);

  torch::nn::GroupNorm in_norm{nullptr}, out_norm{nullptr};
  torch::nn::Conv2d in_conv{nullptr}, out_conv{nullptr}, skip{nullptr};  // skip is null for identity
  torch::nn::Linear emb_proj{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(ResBlock);

// Stride-2 3x3 convolution named `op`.
class DownsampleImpl : public torch::nn::Module {
 public:
  explicit DownsampleImpl(int64_t channels);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Conv2d op{nullptr};
};
TORCH_MODULE(Downsample);

// Nearest-neighbour 2x upsampling then a 3x3 convolution named `conv`.
class UpsampleImpl : public torch::nn::Module {
 public:
  explicit UpsampleImpl(int64_t channels);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample);

// The reference TimestepEmbedSequential: children named "0", "1", ... each fed
// what it needs (time embedding for ResBlocks, context for SpatialTransformers).
class EmbedSequentialImpl : public torch::nn::Module {
 public:
  void push_back(torch::nn::Conv2d conv);
  void push_back(ResBlock block);
  void push_back(SpatialTransformer block);
  void push_back(Downsample block);
  void push_back(Upsample block);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& emb_silu, const at::Tensor& context);

 private:
  enum class Kind { kConv, kResBlock, kTransformer, kDownsample, kUpsample };
  void add(Kind kind, std::shared_ptr<torch::nn::Module> module);
  std::vector<std::pair<Kind, std::shared_ptr<torch::nn::Module>>> layers_;
};
TORCH_MODULE(EmbedSequential);

}  // namespace decodiff::nn
