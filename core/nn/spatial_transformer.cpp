#include "nn/spatial_transformer.h"

#include "nn/layers.h"

#include <stdexcept>
#include <string>

namespace decodiff::nn {

CrossAttentionImpl::CrossAttentionImpl(int64_t query_dim, int64_t context_dim, int64_t heads,
                                       int64_t dim_head)
    : heads_(heads), dim_head_(dim_head) {
  const int64_t inner = heads * dim_head;
  to_q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(query_dim, inner).bias(false)));
  to_k = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(context_dim, inner).bias(false)));
  to_v = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(context_dim, inner).bias(false)));
  // Reference: to_out = Sequential(Linear, Dropout(0)); only the Linear has weights.
  out_proj = torch::nn::Linear(inner, query_dim);
  register_module("to_out", torch::nn::ModuleList(out_proj));
}

at::Tensor CrossAttentionImpl::forward(const at::Tensor& x, const at::Tensor& context) {
  const bool self_attention = !context.defined();
  const at::Tensor& ctx = self_attention ? x : context;
  if (!self_attention && ctx.size(1) == 1) {
    // One key: the softmax weight is exactly 1, so the output is to_out(to_v(context))
    // for every query: mathematically identical to the full computation (where q and k get zero gradient).
    return out_proj->forward(to_v->forward(ctx)).expand({x.size(0), x.size(1), -1});
  }
  const int64_t b = x.size(0), n = x.size(1), m = ctx.size(1);
  auto split = [&](const at::Tensor& t, int64_t len) {
    return t.view({b, len, heads_, dim_head_}).transpose(1, 2);
  };
  at::Tensor q = split(to_q->forward(x), n);
  at::Tensor k = split(to_k->forward(ctx), m);
  at::Tensor v = split(to_v->forward(ctx), m);
  at::Tensor o = at::scaled_dot_product_attention(q, k, v);  // default scale dim_head^-0.5
  return out_proj->forward(o.transpose(1, 2).reshape({b, n, heads_ * dim_head_}));
}

GegluFeedForwardImpl::GegluFeedForwardImpl(int64_t dim) {
  const int64_t inner = 4 * dim;
  // Reference names: net.0 = GEGLU (holding .proj), net.1 = Dropout(0), net.2 = Linear.
  auto geglu = std::make_shared<torch::nn::Module>();
  proj = geglu->register_module("proj", torch::nn::Linear(dim, 2 * inner));
  dropout = torch::nn::Dropout(0.0);
  out = torch::nn::Linear(inner, dim);
  auto net = torch::nn::ModuleList();
  net->push_back(geglu);
  net->push_back(dropout);
  net->push_back(out);
  register_module("net", net);
}

at::Tensor GegluFeedForwardImpl::forward(const at::Tensor& x) {
  auto parts = proj->forward(x).chunk(2, -1);
  return out->forward(dropout->forward(parts[0] * at::gelu(parts[1])));
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t dim_head,
                                                     int64_t context_dim) {
  attn1 = register_module("attn1", CrossAttention(dim, dim, heads, dim_head));
  ff = register_module("ff", GegluFeedForward(dim));
  attn2 = register_module("attn2", CrossAttention(dim, context_dim, heads, dim_head));
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
}

at::Tensor BasicTransformerBlockImpl::forward(const at::Tensor& x_in, const at::Tensor& context) {
  at::Tensor x = attn1->forward(norm1->forward(x_in)) + x_in;
  if (context.size(1) == 1) {
    x = x + attn2->forward(x, context);  // norm2 only feeds the query, which a single key ignores
  } else {
    x = attn2->forward(norm2->forward(x), context) + x;
  }
  return ff->forward(norm3->forward(x)) + x;
}

SpatialTransformerImpl::SpatialTransformerImpl(int64_t channels, int64_t heads, int64_t dim_head,
                                               int64_t depth, int64_t context_dim) {
  const int64_t inner = heads * dim_head;
  norm = register_module("norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, channels).eps(1e-6)));
  proj_in = register_module("proj_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, inner, 1)));
  transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
  for (int64_t d = 0; d < depth; ++d) {
    transformer_blocks->push_back(BasicTransformerBlock(inner, heads, dim_head, context_dim));
  }
  proj_out = register_module("proj_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(inner, channels, 1)));
  detail::zero_parameters(*proj_out);
}

at::Tensor SpatialTransformerImpl::forward(const at::Tensor& x, const at::Tensor& context) {
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  at::Tensor t = proj_in->forward(detail::group_norm(norm, x));
  const int64_t c = t.size(1);
  t = t.flatten(2).transpose(1, 2);  // [B, HW, C]
  for (const auto& block : *transformer_blocks)
    t = block->as<BasicTransformerBlockImpl>()->forward(t, context);
  // A channels-last view of [B, HW, C]; put back in x's layout (see the VAE's attention).
  t = t.transpose(1, 2).reshape({b, c, h, w}).contiguous(x.suggest_memory_format());
  return proj_out->forward(t) + x;
}

}  // namespace decodiff::nn
