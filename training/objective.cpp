#include "objective.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace decodiff::train {
namespace {

PatchSizeDistribution make(std::vector<int> sizes, std::vector<double> weights, int latent) {
  PatchSizeDistribution d;
  double total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] >= 1 && latent % sizes[i] == 0 &&
        std::find(d.sizes.begin(), d.sizes.end(), sizes[i]) == d.sizes.end()) {
      d.sizes.push_back(sizes[i]);
      d.probabilities.push_back(weights[i]);
      total += weights[i];
    }
  }
  for (auto& p : d.probabilities) p /= total;
  return d;
}

template <typename F>
at::Tensor gather_coefficient(const at::Tensor& t, F f, const at::Tensor& like) {
  auto tc = t.to(at::kCPU).to(at::kLong).contiguous();
  std::vector<float> v(tc.numel());
  const int64_t* p = tc.data_ptr<int64_t>();
  for (int64_t i = 0; i < tc.numel(); ++i) v[i] = static_cast<float>(f(static_cast<int>(p[i])));
  return at::tensor(v).to(like.device()).to(like.scalar_type()).view({-1, 1, 1, 1});
}

}  // namespace

PatchSizeDistribution patch_size_distribution(int latent) {
  if (latent < 1) throw std::invalid_argument("patch_size_distribution: latent size must be >= 1");
  if (latent == 28) return make({1, 2, 4, 8, 14}, {.3, .25, .2, .15, .1}, latent);
  if (latent == 32 || latent == 40) return make({1, 2, 4, 8, 16}, {.3, .25, .2, .15, .1}, latent);
  if (latent == 48 || latent == 56 || latent == 64)
    return make({1, 2, 4, 8, 16, latent / 2}, {.25, .2, .2, .15, .1, .1}, latent);
  std::vector<int> sizes;
  std::vector<double> weights;
  const double base[] = {.3, .25, .2, .15, .1};
  for (int p = 1, i = 0; p == 1 || p <= latent / 2; p *= 2, ++i) {
    sizes.push_back(p);
    weights.push_back(i < 5 ? base[i] : .1);
  }
  return make(sizes, weights, latent);
}

at::Tensor random_patch_mask(int64_t channels, int64_t h, int64_t w, const std::vector<double>& ratios,
                             int patch, std::mt19937_64& rng) {
  if (patch < 1 || h % patch != 0 || w % patch != 0)
    throw std::invalid_argument("random_patch_mask: patch " + std::to_string(patch) + " does not divide " +
                                std::to_string(h) + "x" + std::to_string(w));
  const int64_t n = static_cast<int64_t>(ratios.size()), gh = h / patch, gw = w / patch, size = gh * gw;
  auto grid = at::zeros({n, size}, at::kFloat);
  float* g = grid.data_ptr<float>();
  std::vector<int64_t> order(size);
  for (int64_t b = 0; b < n; ++b) {
    if (ratios[b] < 0 || ratios[b] > 1)
      throw std::invalid_argument("random_patch_mask: ratio outside [0, 1]");
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const auto kept = static_cast<int64_t>(static_cast<double>(size) * (1.0 - ratios[b]));
    for (int64_t i = 0; i < kept; ++i) g[b * size + order[i]] = 1.0f;
  }
  return grid.view({n, 1, gh, 1, gw, 1})
      .expand({n, channels, gh, patch, gw, patch})
      .reshape({n, channels, h, w});
}

at::Tensor shuffle_patches(const at::Tensor& z, int patch, const at::Tensor& permutation) {
  const int64_t n = z.size(0), c = z.size(1), h = z.size(2), w = z.size(3);
  if (patch < 1 || h % patch != 0 || w % patch != 0)
    throw std::invalid_argument("shuffle_patches: patch " + std::to_string(patch) + " does not divide " +
                                std::to_string(h) + "x" + std::to_string(w));
  const int64_t gh = h / patch, gw = w / patch;
  if (permutation.numel() != n * gh * gw)
    throw std::invalid_argument("shuffle_patches: permutation has the wrong length");
  auto tiles = z.view({n, c, gh, patch, gw, patch})
                   .permute({0, 2, 4, 1, 3, 5})
                   .reshape({n * gh * gw, c, patch, patch});
  auto shuffled = tiles.index_select(0, permutation.to(z.device()).to(at::kLong));
  return shuffled.view({n, gh, gw, c, patch, patch}).permute({0, 3, 1, 4, 2, 5}).reshape({n, c, h, w});
}

at::Tensor masked_forward(const at::Tensor& z, const at::Tensor& mask, const at::Tensor& noise,
                          const at::Tensor& t, const NoiseSchedule& schedule) {
  auto a = gather_coefficient(
      t, [&](int i) { return std::sqrt(schedule.alpha_bar(i)); }, z);
  auto s = gather_coefficient(
      t, [&](int i) { return schedule.sigma(i); }, z);
  return mask * z + (1 - mask) * (a * z + s * noise);
}

at::Tensor deviation_target(const at::Tensor& z, const at::Tensor& mask, const at::Tensor& noise,
                            const at::Tensor& t, const NoiseSchedule& schedule) {
  auto c = gather_coefficient(
      t, [&](int i) { return schedule.target_coefficient(i); }, z);
  return (1 - mask) * (noise - c * z);
}

ObjectiveBatch make_objective_batch(const at::Tensor& z, const NoiseSchedule& schedule,
                                    const ObjectiveOptions& options, std::mt19937_64& rng,
                                    at::Generator& gen) {
  const int64_t n = z.size(0), c = z.size(1), h = z.size(2), w = z.size(3);
  ObjectiveBatch b;
  b.t = at::randint(0, schedule.steps(), {n}, gen, at::TensorOptions().dtype(at::kLong));

  const auto dist = patch_size_distribution(static_cast<int>(std::min(h, w)));
  std::discrete_distribution<int> pick(dist.probabilities.begin(), dist.probabilities.end());
  b.patch = dist.sizes[pick(rng)];

  std::uniform_real_distribution<double> keep_ratio(0.0, options.mask_ratio),
      shuffle_ratio(0.0, options.patch_shuffle_ratio);
  std::vector<double> r(n), r2(n);
  for (auto& x : r) x = keep_ratio(rng);
  for (auto& x : r2) x = shuffle_ratio(rng);
  const auto opts = z.options();
  b.mask = random_patch_mask(c, h, w, r, b.patch, rng).to(opts);
  auto noise_mask = random_patch_mask(c, h, w, r2, b.patch, rng).to(opts);

  auto gaussian = at::randn({n, c, h, w}, gen, at::TensorOptions().dtype(at::kFloat)).to(opts);
  auto perm = at::randperm(n * (h / b.patch) * (w / b.patch), gen, at::TensorOptions().dtype(at::kLong));
  b.noise = noise_mask * gaussian + (1 - noise_mask) * shuffle_patches(z, b.patch, perm);
  b.t = b.t.to(z.device());
  b.x_t = masked_forward(z, b.mask, b.noise, b.t, schedule);
  b.target = deviation_target(z, b.mask, b.noise, b.t, schedule);
  return b;
}

}  // namespace decodiff::train
