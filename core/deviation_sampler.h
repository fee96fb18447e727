// Deviation correction (ALGORITHM.md section 7): starting from the clean
// latent, R deterministic steps pull it back towards normality.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "nn/unet.h"
#include "schedule.h"

namespace decodiff {

class DeviationSampler {
 public:
  // Throws std::invalid_argument when reverse_steps cannot be respaced.
  DeviationSampler(const NoiseSchedule& schedule, int reverse_steps);

  const std::vector<int>& timesteps() const { return timesteps_; }

  // z: [B, C, h, w] scaled latent; class_ids: [B] int64 on z's device.
  // When `trace` is given, it receives x after every step.
  at::Tensor correct(nn::UNetModel& unet, const at::Tensor& z, const at::Tensor& class_ids,
                     std::vector<at::Tensor>* trace = nullptr) const;

 private:
  std::vector<int> timesteps_;  // ascending, e.g. {0, 2, 4, 6, 8}
  std::vector<double> sigmas_;  // s_t of each kept timestep
};

}  // namespace decodiff
