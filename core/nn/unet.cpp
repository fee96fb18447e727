#include "nn/unet.h"

#include "nn/layers.h"
#include "nn/unet_blocks.h"

#include <torch/nn/modules/activation.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace decodiff::nn {

namespace {

bool contains(const std::vector<int64_t>& v, int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("UNet config: " + what);
}

}  // namespace

UNetConfig unet_preset(const std::string& name, int64_t ncls) {
  std::string key = upper(name);
  if (key.rfind("UNET_", 0) == 0) key = key.substr(5);
  UNetConfig cfg;
  if (key == "XS") {
    cfg.model_channels = 64, cfg.num_heads = 4, cfg.context_dim = 128;
  } else if (key == "S") {
    cfg.model_channels = 128, cfg.num_heads = 4, cfg.context_dim = 256;
  } else if (key == "M") {
    cfg.model_channels = 192, cfg.num_heads = 6, cfg.context_dim = 384;
  } else if (key == "L") {
    cfg.model_channels = 256, cfg.num_heads = 8, cfg.context_dim = 512;
  } else if (key == "XL") {
    cfg.model_channels = 320, cfg.num_heads = 12, cfg.context_dim = 640;
  } else {
    throw std::invalid_argument(
        "unknown UNet preset '" + name +
        "': legal names are XS, S, M, L, XL (or UNet_XS, UNet_S, UNet_M, UNet_L, UNet_XL)");
  }
  if (ncls < 1) throw std::invalid_argument("unet_preset: ncls must be >= 1, got " + std::to_string(ncls));
  cfg.ncls = ncls;
  return cfg;
}

void validate(const UNetConfig& c) {
  require(c.model_channels > 0 && c.model_channels % 32 == 0,
          "model_channels must be a positive multiple of 32 (GroupNorm with 32 groups), got " +
              std::to_string(c.model_channels));
  require(c.num_heads > 0 && c.num_heads <= c.model_channels,
          "num_heads must be in [1, model_channels], got " + std::to_string(c.num_heads));
  require(c.num_res_blocks >= 1, "num_res_blocks must be >= 1, got " + std::to_string(c.num_res_blocks));
  require(!c.channel_mult.empty(), "channel_mult must not be empty");
  for (int64_t m : c.channel_mult)
    require(m > 0, "channel_mult entries must be positive, got " + std::to_string(m));
  require(c.context_dim > 0, "context_dim must be positive, got " + std::to_string(c.context_dim));
  require(c.transformer_depth >= 1,
          "transformer_depth must be >= 1, got " + std::to_string(c.transformer_depth));
  require(c.ncls >= 1, "ncls must be >= 1, got " + std::to_string(c.ncls));
  require(c.in_channels >= 1 && c.out_channels >= 1, "in_channels and out_channels must be >= 1");
  require(c.dropout >= 0.0 && c.dropout < 1.0, "dropout must be in [0, 1), got " + std::to_string(c.dropout));
}

AttentionShape unet_attention_shape(const UNetConfig& cfg, int64_t channels) {
  const int64_t head_channels = cfg.model_channels / cfg.num_heads;
  const int64_t heads = channels / head_channels;
  return {heads, channels / heads};
}

int64_t unet_parameter_count(const UNetConfig& cfg) {
  validate(cfg);
  const int64_t mc = cfg.model_channels, emb = 4 * mc, ctx = cfg.context_dim;
  auto conv = [](int64_t in, int64_t out, int64_t k) { return in * out * k * k + out; };
  auto linear = [](int64_t in, int64_t out) { return in * out + out; };
  auto res = [&](int64_t in, int64_t out) {
    return 2 * in + conv(in, out, 3) + linear(emb, out) + 2 * out + conv(out, out, 3) +
           (in != out ? conv(in, out, 1) : 0);
  };
  auto transformer = [&](int64_t ch) {
    const auto [heads, dim_head] = unet_attention_shape(cfg, ch);
    const int64_t d = heads * dim_head;
    const int64_t block = (3 * d * d + linear(d, d))              // attn1
                          + (d * d + 2 * ctx * d + linear(d, d))  // attn2
                          + linear(d, 8 * d) + linear(4 * d, d)   // ff
                          + 3 * 2 * d;                            // norm1..3
    return 2 * ch + conv(ch, d, 1) + cfg.transformer_depth * block + conv(d, ch, 1);
  };
  int64_t total = cfg.ncls * ctx + linear(mc, emb) + linear(emb, emb) + conv(cfg.in_channels, mc, 3);
  std::vector<int64_t> skips{mc};
  int64_t ch = mc, ds = 1;
  const auto levels = static_cast<int64_t>(cfg.channel_mult.size());
  for (int64_t level = 0; level < levels; ++level) {
    for (int64_t i = 0; i < cfg.num_res_blocks; ++i) {
      const int64_t out = mc * cfg.channel_mult[level];
      total += res(ch, out);
      ch = out;
      if (contains(cfg.attention_resolutions, ds)) total += transformer(ch);
      skips.push_back(ch);
    }
    if (level != levels - 1) {
      total += conv(ch, ch, 3);
      skips.push_back(ch);
      ds *= 2;
    }
  }
  total += 2 * res(ch, ch) + transformer(ch);
  for (int64_t level = levels - 1; level >= 0; --level) {
    for (int64_t i = 0; i <= cfg.num_res_blocks; ++i) {
      const int64_t out = mc * cfg.channel_mult[level];
      total += res(ch + skips.back(), out);
      skips.pop_back();
      ch = out;
      if (contains(cfg.attention_resolutions, ds)) total += transformer(ch);
      if (level != 0 && i == cfg.num_res_blocks) {
        total += conv(ch, ch, 3);
        ds /= 2;
      }
    }
  }
  return total + 2 * ch + conv(mc, cfg.out_channels, 3);
}

UNetModelImpl::UNetModelImpl(const UNetConfig& cfg) : cfg_(cfg) {
  validate(cfg_);
  const int64_t mc = cfg_.model_channels, emb = 4 * mc;
  auto transformer = [&](int64_t ch) {
    const auto [heads, dim_head] = unet_attention_shape(cfg_, ch);
    return SpatialTransformer(ch, heads, dim_head, cfg_.transformer_depth, cfg_.context_dim);
  };
  auto res = [&](int64_t in, int64_t out) { return ResBlock(in, emb, cfg_.dropout, out); };

  auto cond = register_module("cond_stage_model", std::make_shared<torch::nn::Module>());
  class_embedding_ = cond->register_module("embedding", torch::nn::Embedding(cfg_.ncls, cfg_.context_dim));

  time_embed_0_ = torch::nn::Linear(mc, emb);
  time_embed_2_ = torch::nn::Linear(emb, emb);
  register_module("time_embed", torch::nn::ModuleList(time_embed_0_, torch::nn::SiLU(), time_embed_2_));

  input_blocks_ = register_module("input_blocks", torch::nn::ModuleList());
  {
    EmbedSequential first;
    first->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(cfg_.in_channels, mc, 3).padding(1)));
    input_blocks_->push_back(first);
  }
  std::vector<int64_t> skips{mc};
  int64_t ch = mc, ds = 1;
  const auto levels = static_cast<int64_t>(cfg_.channel_mult.size());
  for (int64_t level = 0; level < levels; ++level) {
    for (int64_t i = 0; i < cfg_.num_res_blocks; ++i) {
      const int64_t out = mc * cfg_.channel_mult[level];
      EmbedSequential block;
      block->push_back(res(ch, out));
      ch = out;
      if (contains(cfg_.attention_resolutions, ds)) block->push_back(transformer(ch));
      input_blocks_->push_back(block);
      skips.push_back(ch);
    }
    if (level != levels - 1) {
      EmbedSequential block;
      block->push_back(Downsample(ch));
      input_blocks_->push_back(block);
      skips.push_back(ch);
      ds *= 2;
    }
  }

  EmbedSequential middle;
  middle->push_back(res(ch, ch));
  middle->push_back(transformer(ch));
  middle->push_back(res(ch, ch));
  middle_block_ = register_module("middle_block", middle.ptr());

  output_blocks_ = register_module("output_blocks", torch::nn::ModuleList());
  for (int64_t level = levels - 1; level >= 0; --level) {
    for (int64_t i = 0; i <= cfg_.num_res_blocks; ++i) {
      const int64_t out = mc * cfg_.channel_mult[level];
      EmbedSequential block;
      block->push_back(res(ch + skips.back(), out));
      skips.pop_back();
      ch = out;
      if (contains(cfg_.attention_resolutions, ds)) block->push_back(transformer(ch));
      if (level != 0 && i == cfg_.num_res_blocks) {
        block->push_back(Upsample(ch));
        ds /= 2;
      }
      output_blocks_->push_back(block);
    }
  }

  out_norm_ = torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, ch).eps(1e-5));
  out_conv_ = torch::nn::Conv2d(torch::nn::Conv2dOptions(mc, cfg_.out_channels, 3).padding(1));
  detail::zero_parameters(*out_conv_);
  register_module("out", torch::nn::ModuleList(out_norm_, torch::nn::SiLU(), out_conv_));

  const int64_t half = mc / 2;
  freqs_ = at::exp(at::arange(0, half, at::kFloat) * (-std::log(10000.0)) / half);
}

at::Tensor UNetModelImpl::timestep_embedding(const at::Tensor& timesteps) {
  if (freqs_.device() != timesteps.device()) freqs_ = freqs_.to(timesteps.device());
  at::Tensor args = timesteps.to(at::kFloat).unsqueeze(1) * freqs_.unsqueeze(0);
  return at::cat({at::cos(args), at::sin(args)}, -1);
}

at::Tensor UNetModelImpl::forward(const at::Tensor& x, const at::Tensor& timesteps,
                                  const at::Tensor& class_ids) {
  if (!x.defined() || x.dim() != 4 || x.size(1) != cfg_.in_channels || !x.is_floating_point()) {
    throw std::invalid_argument("UNet: x must be a floating [B," + std::to_string(cfg_.in_channels) +
                                ",h,w] tensor, got " + detail::describe(x));
  }
  const int64_t b = x.size(0);
  const int64_t factor = int64_t{1} << (cfg_.channel_mult.size() - 1);
  if (x.size(2) % factor != 0 || x.size(3) % factor != 0) {
    throw std::invalid_argument("UNet: x height and width must be multiples of " + std::to_string(factor) +
                                ", got " + std::to_string(x.size(2)) + "x" + std::to_string(x.size(3)));
  }
  if (!timesteps.defined() || timesteps.dim() != 1 || timesteps.size(0) != b) {
    throw std::invalid_argument("UNet: timesteps must be a [" + std::to_string(b) + "] tensor");
  }
  if (!class_ids.defined() || class_ids.dim() != 1 || class_ids.size(0) != b ||
      (class_ids.scalar_type() != at::kLong && class_ids.scalar_type() != at::kInt)) {
    throw std::invalid_argument("UNet: class_ids must be an int64 or int32 [" + std::to_string(b) +
                                "] tensor");
  }
  if (class_ids.is_cpu() && b > 0) {  // on a GPU the check would cost a synchronisation: callers validate ids
    const int64_t lo = class_ids.min().item<int64_t>(), hi = class_ids.max().item<int64_t>();
    if (lo < 0 || hi >= cfg_.ncls) {
      throw std::invalid_argument("UNet: class id " + std::to_string(lo < 0 ? lo : hi) +
                                  " out of range [0, " + std::to_string(cfg_.ncls) + ")");
    }
  }

  const at::Tensor context =
      class_embedding_->forward(class_ids.to(x.device()).unsqueeze(1));  // [B,1,context_dim]
  at::Tensor t_emb = timestep_embedding(timesteps.to(x.device())).to(time_embed_0_->weight.scalar_type());
  const at::Tensor emb_silu = at::silu(time_embed_2_->forward(at::silu(time_embed_0_->forward(t_emb))));

  std::vector<at::Tensor> hs;
  hs.reserve(input_blocks_->size());
  at::Tensor h = x;
  for (const auto& block : *input_blocks_) {
    h = block->as<EmbedSequentialImpl>()->forward(h, emb_silu, context);
    hs.push_back(h);
  }
  h = middle_block_->forward(h, emb_silu, context);
  for (const auto& block : *output_blocks_) {
    h = at::cat({h, hs.back()}, 1);
    hs.pop_back();
    h = block->as<EmbedSequentialImpl>()->forward(h, emb_silu, context);
  }
  return out_conv_->forward(at::silu(detail::group_norm_f32(out_norm_, h)));
}

}  // namespace decodiff::nn
