// The DeCo-Diff training objective (docs/algorithm.md, "Training"; the reference's
// random_mask / shuffle_patches / q_sample / direction_of_deviation): patch masks,
// the shuffled-latent "anomalies", the masked forward process and its target.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <random>
#include <vector>

#include "schedule.h"

namespace decodiff::train {

struct PatchSizeDistribution {
  std::vector<int> sizes;
  std::vector<double> probabilities;  // sums to 1
};

// The mask patch sizes (latent pixels) for a latent of latent_size x latent_size
// (crop / 8 for the SD VAE). The reference's table, keyed by latent size:
//   28 (crop 224): {1,2,4,8,14} with {.3,.25,.2,.15,.1}
//   32, 40 (crop 256, 320): {1,2,4,8,16} with {.3,.25,.2,.15,.1}
//   48, 56, 64 (crop 384, 448, 512): {1,2,4,8,16,latent/2} with {.25,.2,.2,.15,.1,.1}
// Sizes that do not divide the latent (8 for 28, 16 for 40 and 56; the reference would fail
// on them) are dropped and the others' probabilities renormalised. Any other latent
// size: the powers of two 1,2,4,... up to latent/2 that divide it, with the weights
// .3,.25,.2,.15,.1 (.1 for further sizes) renormalised. Throws std::invalid_argument
// for latent_size < 1.
PatchSizeDistribution patch_size_distribution(int latent_size);

// The reference's random_mask: for sample b, a random int(L * (1 - ratios[b]))
// of the L = (h/patch)*(w/patch) patches get 1, the rest 0; the same on every
// channel. Returns [B, channels, h, w] float32 on the CPU. h and w must be multiples of patch.
at::Tensor random_patch_mask(int64_t channels, int64_t h, int64_t w, const std::vector<double>& ratios,
                             int patch, std::mt19937_64& rng);

// The reference's shuffle_patches: cuts z [B,C,H,W] into patch x patch tiles
// (all channels together) and permutes the B*(H/patch)*(W/patch) tiles across the
// whole batch with `permutation` (a permutation of 0..B*L-1, tile index
// b*L + row*(W/patch) + col), then puts them back.
at::Tensor shuffle_patches(const at::Tensor& z, int patch, const at::Tensor& permutation);

// x_t = m*z + (1-m)*(sqrt(abar_t)*z + s_t*n); t: [B] int64 timesteps.
at::Tensor masked_forward(const at::Tensor& z, const at::Tensor& mask, const at::Tensor& noise,
                          const at::Tensor& t, const NoiseSchedule& schedule);

// The direction of deviation (1-m)*(n - c_t*z).
at::Tensor deviation_target(const at::Tensor& z, const at::Tensor& mask, const at::Tensor& noise,
                            const at::Tensor& t, const NoiseSchedule& schedule);

struct ObjectiveOptions {
  double mask_ratio = 0.7;           // keep-mask ratio r ~ U(0, mask_ratio) per sample
  double patch_shuffle_ratio = 0.3;  // noise-mask ratio r' ~ U(0, patch_shuffle_ratio) per sample
};

struct ObjectiveBatch {
  at::Tensor t;       // [B] int64
  at::Tensor mask;    // [B,C,h,w] 1 = kept clean
  at::Tensor noise;   // [B,C,h,w]: Gaussian where the noise mask is 1, shuffled latent patches elsewhere
  at::Tensor x_t;     // UNet input
  at::Tensor target;  // UNet target
  int patch = 1;
};

// One batch of the objective for normal latents z [B,C,h,w] (h == w), on z's
// device: t ~ U{0..T-1}, one patch size for the batch, keep mask with
// r ~ U(0, mask_ratio), noise mask with r' ~ U(0, patch_shuffle_ratio) whose 1-patches
// (a 1-r' fraction) get Gaussian noise and whose 0-patches get latent patches shuffled
// across the batch. Host-side draws use `rng`, tensor draws `gen` (CPU generator; the
// noise is drawn on the CPU so a seed reproduces on every device).
ObjectiveBatch make_objective_batch(const at::Tensor& z, const NoiseSchedule& schedule,
                                    const ObjectiveOptions& options, std::mt19937_64& rng,
                                    at::Generator& gen);

}  // namespace decodiff::train
