#include "nn/unet_blocks.h"

#include "nn/layers.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/modulelist.h>

#include <string>

namespace decodiff::nn {

ResBlockImpl::ResBlockImpl(int64_t channels, int64_t emb_channels, double dropout_p, int64_t out_channels) {
  in_norm = torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, channels).eps(1e-5));
  in_conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, out_channels, 3).padding(1));
  register_module("in_layers", torch::nn::ModuleList(in_norm, torch::nn::SiLU(), in_conv));

  emb_proj = torch::nn::Linear(emb_channels, out_channels);
  register_module("emb_layers", torch::nn::ModuleList(torch::nn::SiLU(), emb_proj));

  out_norm = torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, out_channels).eps(1e-5));
  dropout = torch::nn::Dropout(dropout_p);
  out_conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(out_channels, out_channels, 3).padding(1));
  detail::zero_parameters(*out_conv);
  register_module("out_layers", torch::nn::ModuleList(out_norm, torch::nn::SiLU(), dropout, out_conv));

  if (out_channels != channels) {
    skip = register_module("skip_connection",
                           torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, out_channels, 1)));
  }
}

at::Tensor ResBlockImpl::forward(const at::Tensor& x, const at::Tensor& emb_silu) {
  at::Tensor h = in_conv->forward(at::silu(detail::group_norm_f32(in_norm, x)));
  at::Tensor e = emb_proj->forward(emb_silu).to(h.scalar_type());
  h = h + e.unsqueeze(-1).unsqueeze(-1);
  h = out_conv->forward(dropout->forward(at::silu(detail::group_norm_f32(out_norm, h))));
  return (skip ? skip->forward(x) : x) + h;
}

DownsampleImpl::DownsampleImpl(int64_t channels) {
  op = register_module(
      "op", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 3).stride(2).padding(1)));
}

at::Tensor DownsampleImpl::forward(const at::Tensor& x) { return op->forward(x); }

UpsampleImpl::UpsampleImpl(int64_t channels) {
  conv =
      register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 3).padding(1)));
}

at::Tensor UpsampleImpl::forward(const at::Tensor& x) {
  return conv->forward(at::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)}, 2.0, 2.0));
}

void EmbedSequentialImpl::add(Kind kind, std::shared_ptr<torch::nn::Module> module) {
  register_module(std::to_string(layers_.size()), module);
  layers_.emplace_back(kind, std::move(module));
}

void EmbedSequentialImpl::push_back(torch::nn::Conv2d conv) { add(Kind::kConv, conv.ptr()); }
void EmbedSequentialImpl::push_back(ResBlock block) { add(Kind::kResBlock, block.ptr()); }
void EmbedSequentialImpl::push_back(SpatialTransformer block) { add(Kind::kTransformer, block.ptr()); }
void EmbedSequentialImpl::push_back(Downsample block) { add(Kind::kDownsample, block.ptr()); }
void EmbedSequentialImpl::push_back(Upsample block) { add(Kind::kUpsample, block.ptr()); }

at::Tensor EmbedSequentialImpl::forward(const at::Tensor& x, const at::Tensor& emb_silu,
                                        const at::Tensor& context) {
  at::Tensor h = x;
  for (const auto& [kind, module] : layers_) {
    switch (kind) {
      case Kind::kConv:
        h = static_cast<torch::nn::Conv2dImpl&>(*module).forward(h);
        break;
      case Kind::kResBlock:
        h = static_cast<ResBlockImpl&>(*module).forward(h, emb_silu);
        break;
      case Kind::kTransformer:
        h = static_cast<SpatialTransformerImpl&>(*module).forward(h, context);
        break;
      case Kind::kDownsample:
        h = static_cast<DownsampleImpl&>(*module).forward(h);
        break;
      case Kind::kUpsample:
        h = static_cast<UpsampleImpl&>(*module).forward(h);
        break;
    }
  }
  return h;
}

}  // namespace decodiff::nn
