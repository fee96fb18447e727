// The cosine noise schedule of DeCo-Diff and its DDIM-style respacing
// (docs/algorithm.md, "The noise schedule" and "Inspection"). Pure arithmetic: no LibTorch here.
#pragma once

#include <string>
#include <vector>

namespace decodiff {

class NoiseSchedule {
 public:
  // `steps` is T (10 in every released model); `name` must be "squaredcos_cap_v2".
  explicit NoiseSchedule(int steps = 10, const std::string& name = "squaredcos_cap_v2");

  int steps() const { return static_cast<int>(alphas_cumprod_.size()); }
  // abar_i = prod_{j<=i} (1 - beta_j)
  double alpha_bar(int t) const;
  // s_i = sqrt(1 - abar_i): the deviation scale at timestep i
  double sigma(int t) const;
  // c_i = (1 - sqrt(abar_i)) / s_i: how much of z the training target removes
  double target_coefficient(int t) const;
  const std::vector<double>& betas() const { return betas_; }

 private:
  void check(int t) const;
  std::vector<double> betas_;
  std::vector<double> alphas_cumprod_;
};

// The kept timesteps for `reverse_steps` of a `steps`-step schedule, in
// increasing order: range(0, steps, k) for the integer k that yields exactly
// `reverse_steps` values. Throws std::invalid_argument naming the legal values
// when no such k exists (e.g. 6 of 10).
std::vector<int> respaced_timesteps(int steps, int reverse_steps);

// The reverse-step counts that respaced_timesteps accepts for `steps`.
std::vector<int> legal_reverse_steps(int steps);

}  // namespace decodiff
