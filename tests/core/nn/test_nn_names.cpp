// Parameter names, shapes and counts of the networks against lists written by
// make_names.py from the reference UNet and diffusers' AutoencoderKL.
#include "../../common/paths.h"
#include "nn/autoencoder_kl.h"
#include "nn/module_utils.h"
#include "nn/unet.h"
#include "tiny_configs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace dn = decodiff::nn;

namespace {

using ShapeMap = std::map<std::string, std::string>;

ShapeMap read_reference(const std::string& file) {
  const std::string path = decodiff::testing::source_dir() + "/tests/core/nn/data/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (is DECODIFF_SOURCE_DIR set?)");
  ShapeMap out;
  std::string name, shape;
  while (in >> name >> shape) out[name] = shape;
  return out;
}

ShapeMap ours(const torch::nn::Module& m) {
  ShapeMap out;
  auto add = [&](const std::string& name, const at::Tensor& t) {
    std::string s;
    for (int64_t d : t.sizes()) s += (s.empty() ? "" : ",") + std::to_string(d);
    out[name] = s;
  };
  for (const auto& p : m.named_parameters(true)) add(p.key(), p.value());
  for (const auto& b : m.named_buffers(true)) add(b.key(), b.value());
  return out;
}

void expect_same(const ShapeMap& expected, const ShapeMap& actual) {
  for (const auto& [name, shape] : expected) {
    auto it = actual.find(name);
    if (it == actual.end()) {
      ADD_FAILURE() << "missing " << name << " [" << shape << "]";
    } else {
      EXPECT_EQ(it->second, shape) << name;
    }
  }
  for (const auto& [name, shape] : actual) {
    if (!expected.count(name)) ADD_FAILURE() << "unexpected " << name << " [" << shape << "]";
  }
  EXPECT_EQ(expected.size(), actual.size());
}

using decodiff::nn::testing::tiny_unet;
using decodiff::nn::testing::tiny_vae;

}  // namespace

TEST(UNetNames, XsMatchesReferenceStateDict) {
  dn::UNetModel m(dn::unet_preset("XS", 15));
  expect_same(read_reference("unet_xs_names.txt"), ours(*m));
}

TEST(UNetNames, TinyMatchesReferenceStateDict) {
  dn::UNetModel m(tiny_unet());
  expect_same(read_reference("unet_tiny_names.txt"), ours(*m));
}

TEST(VaeNames, StableDiffusionConfigMatchesDiffusersStateDict) {
  dn::AutoencoderKL m(dn::VaeConfig{});
  expect_same(read_reference("vae_sd_names.txt"), ours(*m));
}

TEST(VaeNames, TinyConfigMatchesDiffusersStateDict) {
  dn::AutoencoderKL m(tiny_vae());
  expect_same(read_reference("vae_tiny_names.txt"), ours(*m));
  EXPECT_EQ(m->downsample_factor(), 4);
}

// Exact counts of the reference constructors (UNET_models[...](ncls=15)); docs/algorithm.md rounds them
// to 24.7 / 98.8 / 222.2 / 395.0 / 612.7 M.
TEST(UNetParameters, PresetCountsEqualReference) {
  const std::map<std::string, int64_t> reference{
      {"XS", 24749636}, {"S", 98831492}, {"M", 222245572}, {"L", 394991876}, {"XL", 612717564}};
  for (const auto& [name, count] : reference) {
    EXPECT_EQ(dn::unet_parameter_count(dn::unet_preset(name, 15)), count) << name;
  }
  EXPECT_EQ(dn::unet_parameter_count(dn::unet_preset("UNet_L", 15)), 394991876);
}

TEST(UNetParameters, CountFromConfigEqualsBuiltModule) {
  // Odd config: 3 heads of 21 channels at width 64 (inner width 63), depth-2 transformers, attention only
  // at the second level, two levels.
  dn::UNetConfig odd;
  odd.model_channels = 64;
  odd.num_heads = 3;
  odd.num_res_blocks = 3;
  odd.channel_mult = {1, 3};
  odd.attention_resolutions = {2};
  odd.transformer_depth = 2;
  odd.context_dim = 40;
  odd.ncls = 5;
  odd.in_channels = 3;
  odd.out_channels = 6;
  for (const auto& cfg : {tiny_unet(), dn::unet_preset("XS", 15), odd}) {
    dn::UNetModel m(cfg);
    EXPECT_EQ(dn::parameter_count(*m), dn::unet_parameter_count(cfg)) << cfg.model_channels;
  }
}

TEST(UNetParameters, AttentionWidthFollowsReferenceHeadRule) {
  // UNet_XL: head width 320/12 = 26, so 12/24/49 heads of 26/26/26 channels.
  const auto xl = dn::unet_preset("XL", 15);
  EXPECT_EQ(dn::unet_attention_shape(xl, 320).heads * dn::unet_attention_shape(xl, 320).dim_head, 312);
  EXPECT_EQ(dn::unet_attention_shape(xl, 640).heads * dn::unet_attention_shape(xl, 640).dim_head, 624);
  EXPECT_EQ(dn::unet_attention_shape(xl, 1280).heads * dn::unet_attention_shape(xl, 1280).dim_head, 1274);
  const auto l = dn::unet_preset("L", 15);
  EXPECT_EQ(dn::unet_attention_shape(l, 1024).heads, 32);
  EXPECT_EQ(dn::unet_attention_shape(l, 1024).dim_head, 32);
}

TEST(UNetPreset, AcceptsBothSpellingsAndRejectsUnknown) {
  EXPECT_EQ(dn::unet_preset("UNet_M", 12).model_channels, 192);
  EXPECT_EQ(dn::unet_preset("M", 12).num_heads, 6);
  EXPECT_EQ(dn::unet_preset("xl", 12).context_dim, 640);
  EXPECT_EQ(dn::unet_preset("S", 12).ncls, 12);
  try {
    dn::unet_preset("XXL", 15);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("XXL"), std::string::npos) << msg;
    EXPECT_NE(msg.find("XS, S, M, L, XL"), std::string::npos) << msg;
  }
}

TEST(UNetConfig, RejectsUnbuildableConfig) {
  auto cfg = tiny_unet();
  cfg.model_channels = 48;  // not a multiple of 32 groups
  EXPECT_THROW(dn::UNetModel{cfg}, std::invalid_argument);
  cfg = tiny_unet();
  cfg.channel_mult.clear();
  EXPECT_THROW(dn::UNetModel{cfg}, std::invalid_argument);
  dn::VaeConfig v = tiny_vae();
  v.norm_num_groups = 24;
  EXPECT_THROW(dn::AutoencoderKL{v}, std::invalid_argument);
}

TEST(VaeNames, OldAttentionNamesMapToCurrent) {
  EXPECT_EQ(dn::canonical_vae_name("encoder.mid_block.attentions.0.query.weight"),
            "encoder.mid_block.attentions.0.to_q.weight");
  EXPECT_EQ(dn::canonical_vae_name("decoder.mid_block.attentions.0.key.bias"),
            "decoder.mid_block.attentions.0.to_k.bias");
  EXPECT_EQ(dn::canonical_vae_name("decoder.mid_block.attentions.0.value.weight"),
            "decoder.mid_block.attentions.0.to_v.weight");
  EXPECT_EQ(dn::canonical_vae_name("encoder.mid_block.attentions.0.proj_attn.weight"),
            "encoder.mid_block.attentions.0.to_out.0.weight");
  EXPECT_EQ(dn::canonical_vae_name("encoder.mid_block.attentions.0.group_norm.weight"),
            "encoder.mid_block.attentions.0.group_norm.weight");
  EXPECT_EQ(dn::canonical_vae_name("encoder.mid_block.attentions.0.to_out.0.bias"),
            "encoder.mid_block.attentions.0.to_out.0.bias");
}
