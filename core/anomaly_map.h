// The anomaly map (docs/algorithm.md, "Anomaly map and score") with the reference numerics:
// scipy.ndimage.gaussian_filter (truncate 4, mode "reflect") and
// skimage.transform.resize (order 1). Works on any device and keeps the work
// there; inputs of reduced precision are computed in float32.
#pragma once

#include <ATen/ATen.h>

#include <string>

namespace decodiff {

struct AnomalyMapConfig {
  double pixel_clip = 0.4;
  double pixel_sigma = 3.0;
  double latent_clip = 0.2;
  double latent_sigma = 1.0;
  std::string fusion = "geometric";  // "geometric" (sqrt(p*l), the paper's) or "arithmetic" ((p+l)/2)
};


// Separable Gaussian blur over the last two dims of x ([..., H, W]), as
// scipy.ndimage.gaussian_filter(x, sigma) on each 2-D slice: kernel radius
// int(truncate*sigma + 0.5), half-sample symmetric border (d c b a | a b c d),
// rows (axis 0) first. Kernels wider than the image reflect repeatedly.
at::Tensor gaussian_blur(const at::Tensor& x, double sigma, double truncate = 4.0);

// Linear resize of the last two dims, as skimage.transform.resize(x, (H, W))
// with its defaults (order 1, mode "reflect", i.e. scipy.ndimage.zoom with
// grid_mode=True and mirror borders). Intended for upsampling; downsampling
// would need skimage's anti-aliasing pre-filter, which this does not apply.
at::Tensor resize_linear(const at::Tensor& x, int64_t out_h, int64_t out_w);

struct AnomalyMaps {
  at::Tensor pixel;   // [B, crop, crop] in [0, 1]
  at::Tensor latent;  // [B, crop, crop] in [0, 1]
  at::Tensor fused;   // [B, crop, crop]: geometric or arithmetic mean of the two
  at::Tensor score;   // [B]: max of fused
};

// image_rec, image_x0: [B, 3, crop, crop] in [-1, 1] units; latent_rec, latent:
// [B, C, h, w] (scaled latents).
AnomalyMaps compute_anomaly_maps(const at::Tensor& image_rec, const at::Tensor& image_x0, const at::Tensor& latent_rec,
                                 const at::Tensor& latent, const AnomalyMapConfig& config);

}  // namespace decodiff
