#include "anomaly_map.h"

#include <cmath>
#include <vector>

namespace decodiff {
namespace {

// Index into [0, n) for an arbitrary integer, reflecting about the half-sample
// boundary like scipy's "reflect": period 2n, d c b a | a b c d | d c b a.
int64_t reflect_index(int64_t i, int64_t n) {
  const int64_t period = 2 * n;
  int64_t m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

// Index for scipy's "mirror" (skimage "reflect"): about the edge sample,
// d c b | a b c d | c b a, period 2n-2.
int64_t mirror_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * n - 2;
  int64_t m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

// Blur along the last dim of x [N, L] with a 1-D kernel.
at::Tensor blur_last_dim(const at::Tensor& x, const at::Tensor& kernel, int64_t radius) {
  const int64_t n = x.size(-1);
  std::vector<int64_t> idx(n + 2 * radius);
  for (int64_t i = 0; i < n + 2 * radius; ++i) idx[i] = reflect_index(i - radius, n);
  auto index = at::tensor(idx, at::TensorOptions().dtype(at::kLong)).to(x.device());
  auto padded = x.index_select(-1, index).unsqueeze(1);  // [N, 1, L + 2r]
  return at::conv1d(padded, kernel.view({1, 1, -1})).squeeze(1);
}

}  // namespace

at::Tensor gaussian_blur(const at::Tensor& x, double sigma, double truncate) {
  TORCH_CHECK(x.dim() >= 2, "gaussian_blur needs [..., H, W], got ", x.sizes());
  const int64_t radius = static_cast<int64_t>(truncate * sigma + 0.5);
  std::vector<double> w(2 * radius + 1);
  double sum = 0;
  for (int64_t k = -radius; k <= radius; ++k) sum += w[k + radius] = std::exp(-0.5 * k * k / (sigma * sigma));
  for (auto& v : w) v /= sum;
  auto input = x.to(at::kFloat);
  auto kernel = at::tensor(w, at::TensorOptions().dtype(at::kDouble)).to(at::kFloat).to(x.device());
  const auto sizes = input.sizes().vec();
  const int64_t h = sizes[sizes.size() - 2], wd = sizes[sizes.size() - 1];
  auto planes = input.reshape({-1, h, wd});
  // axis 0 (rows): blur along H by moving it last
  auto cols = planes.transpose(1, 2).reshape({-1, h});
  auto along_h = blur_last_dim(cols, kernel, radius).reshape({-1, wd, h}).transpose(1, 2);
  auto rows = along_h.reshape({-1, wd});
  auto out = blur_last_dim(rows, kernel, radius).reshape(sizes);
  return out;
}

namespace {

at::Tensor resize_last_dim(const at::Tensor& x, int64_t out_n) {
  const int64_t n = x.size(-1);
  std::vector<int64_t> i0(out_n), i1(out_n);
  std::vector<float> w1(out_n);
  const double scale = static_cast<double>(n) / out_n;
  for (int64_t o = 0; o < out_n; ++o) {
    const double src = (o + 0.5) * scale - 0.5;
    const double fl = std::floor(src);
    i0[o] = mirror_index(static_cast<int64_t>(fl), n);
    i1[o] = mirror_index(static_cast<int64_t>(fl) + 1, n);
    w1[o] = static_cast<float>(src - fl);
  }
  auto opts = at::TensorOptions().dtype(at::kLong);
  auto a = x.index_select(-1, at::tensor(i0, opts).to(x.device()));
  auto b = x.index_select(-1, at::tensor(i1, opts).to(x.device()));
  auto t = at::tensor(w1, at::TensorOptions().dtype(at::kFloat)).to(x.device());
  return a + (b - a) * t;
}

}  // namespace

at::Tensor resize_linear(const at::Tensor& x, int64_t out_h, int64_t out_w) {
  TORCH_CHECK(x.dim() >= 2, "resize_linear needs [..., H, W], got ", x.sizes());
  auto input = x.to(at::kFloat);
  auto wide = resize_last_dim(input, out_w);                                     // [..., H, out_w]
  auto tall = resize_last_dim(wide.transpose(-1, -2), out_h).transpose(-1, -2);  // [..., out_h, out_w]
  return tall.contiguous();
}

AnomalyMaps compute_anomaly_maps(const at::Tensor& image_rec, const at::Tensor& image_x0, const at::Tensor& latent_rec,
                                 const at::Tensor& latent, const AnomalyMapConfig& config) {
  AnomalyMaps maps;
  const int64_t h = image_rec.size(-2), w = image_rec.size(-1);
  auto pixel = (image_rec.to(at::kFloat) - image_x0.to(at::kFloat)).abs().amax(1);
  pixel = pixel.clamp(0.0, config.pixel_clip) * (1.0 / config.pixel_clip);
  maps.pixel = gaussian_blur(pixel, config.pixel_sigma);

  auto lat = (latent_rec.to(at::kFloat) - latent.to(at::kFloat)).abs().mean(1);
  lat = lat.clamp(0.0, config.latent_clip) * (1.0 / config.latent_clip);
  maps.latent = resize_linear(gaussian_blur(lat, config.latent_sigma), h, w);

  if (config.fusion == "arithmetic")
    maps.fused = 0.5 * maps.pixel + 0.5 * maps.latent;
  else
    maps.fused = (maps.pixel * maps.latent).sqrt();
  maps.score = maps.fused.flatten(1).amax(1);
  return maps;
}

}  // namespace decodiff
