#include "schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace decodiff {
namespace {

double cosine_alpha_bar(double t) {
  const double pi = std::acos(-1.0);
  const double c = std::cos((t + 0.008) / 1.008 * pi / 2.0);
  return c * c;
}

}  // namespace

NoiseSchedule::NoiseSchedule(int steps, const std::string& name) {
  if (name != "squaredcos_cap_v2") {
    throw std::invalid_argument("unknown noise schedule '" + name + "' (supported: squaredcos_cap_v2)");
  }
  if (steps < 1) throw std::invalid_argument("noise schedule needs at least one step");
  double prod = 1.0;
  for (int i = 0; i < steps; ++i) {
    const double t1 = static_cast<double>(i) / steps;
    const double t2 = static_cast<double>(i + 1) / steps;
    const double beta = std::min(1.0 - cosine_alpha_bar(t2) / cosine_alpha_bar(t1), 0.999);
    betas_.push_back(beta);
    prod *= 1.0 - beta;
    alphas_cumprod_.push_back(prod);
  }
}

void NoiseSchedule::check(int t) const {
  if (t < 0 || t >= steps()) {
    throw std::out_of_range("timestep " + std::to_string(t) + " outside 0.." + std::to_string(steps() - 1));
  }
}

double NoiseSchedule::alpha_bar(int t) const {
  check(t);
  return alphas_cumprod_[t];
}

double NoiseSchedule::sigma(int t) const { return std::sqrt(1.0 - alpha_bar(t)); }

double NoiseSchedule::target_coefficient(int t) const {
  return (1.0 - std::sqrt(alpha_bar(t))) / sigma(t);
}

std::vector<int> respaced_timesteps(int steps, int reverse_steps) {
  // Like the reference's space_timesteps("ddimR"): the smallest stride k in
  // 1..steps-1 whose range has exactly R elements (so R = 1 is not legal).
  if (reverse_steps >= 1 && reverse_steps <= steps) {
    for (int k = 1; k < steps; ++k) {
      if ((steps + k - 1) / k == reverse_steps) {
        std::vector<int> kept;
        for (int t = 0; t < steps; t += k) kept.push_back(t);
        return kept;
      }
    }
  }
  std::ostringstream msg;
  msg << "reverse steps " << reverse_steps << " cannot be respaced from " << steps << " diffusion steps; legal values:";
  for (int r : legal_reverse_steps(steps)) msg << ' ' << r;
  throw std::invalid_argument(msg.str());
}

std::vector<int> legal_reverse_steps(int steps) {
  std::vector<int> legal;
  for (int k = steps - 1; k >= 1; --k) {
    const int count = (steps + k - 1) / k;
    if (legal.empty() || legal.back() != count) legal.push_back(count);
  }
  return legal;
}

}  // namespace decodiff
