// The tiny UNet and VAE configurations of the golden vectors
// (tests/fixtures/golden/make_engine_golden.py), shared by the nn tests.
#pragma once

#include "nn/autoencoder_kl.h"
#include "nn/unet.h"

namespace decodiff::nn::testing {

inline UNetConfig tiny_unet() {
  UNetConfig c;
  c.model_channels = 32;
  c.num_heads = 4;
  c.num_res_blocks = 1;
  c.channel_mult = {1, 2, 4};
  c.context_dim = 64;
  c.ncls = 3;
  return c;
}

inline VaeConfig tiny_vae() {
  VaeConfig c;
  c.block_out_channels = {32, 64, 64};
  c.layers_per_block = 1;
  c.norm_num_groups = 16;
  return c;
}

}  // namespace decodiff::nn::testing
