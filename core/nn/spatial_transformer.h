// The latent-diffusion SpatialTransformer (reference ldm/modules/attention.py):
// GroupNorm -> 1x1 conv -> transformer blocks (self-attention, cross-attention
// on the context tokens, GEGLU feed-forward) -> 1x1 conv, plus the input.
// Child names follow the reference state_dict (norm, proj_in,
// transformer_blocks.N.{attn1,attn2,ff.net.0.proj,ff.net.2,norm1..3}, proj_out).
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace decodiff::nn {

// Multi-head attention with bias-free q/k/v projections of width heads*dim_head
// (possibly below query_dim) and an output projection back to query_dim.
class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t query_dim, int64_t context_dim, int64_t heads, int64_t dim_head);
  // x: [B,N,query_dim]; context: [B,M,context_dim], or undefined for self-attention.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context = {});
  int64_t heads() const { return heads_; }

  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, out_proj{nullptr};  // out_proj is to_out.0

 private:
  int64_t heads_, dim_head_;
};
TORCH_MODULE(CrossAttention);

// FeedForward with a GEGLU input projection: net.0.proj (dim -> 2*4*dim), net.2 (4*dim -> dim).
class GegluFeedForwardImpl : public torch::nn::Module {
 public:
  explicit GegluFeedForwardImpl(int64_t dim);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear proj{nullptr}, out{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(GegluFeedForward);

class BasicTransformerBlockImpl : public torch::nn::Module {
 public:
  BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t dim_head, int64_t context_dim);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context);

  CrossAttention attn1{nullptr}, attn2{nullptr};
  GegluFeedForward ff{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

class SpatialTransformerImpl : public torch::nn::Module {
 public:
  SpatialTransformerImpl(int64_t channels, int64_t heads, int64_t dim_head, int64_t depth,
                         int64_t context_dim);
  // x: [B,C,H,W]; context: [B,M,context_dim].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context);

  torch::nn::GroupNorm norm{nullptr};
  torch::nn::Conv2d proj_in{nullptr}, proj_out{nullptr};
  torch::nn::ModuleList transformer_blocks{nullptr};
};
TORCH_MODULE(SpatialTransformer);

}  // namespace decodiff::nn
