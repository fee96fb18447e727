// Deviation correction (docs/algorithm.md, "Inspection"): starting from the clean
// latent, R deterministic steps pull it back towards normality.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <vector>

#include "nn/unet.h"
#include "schedule.h"

namespace decodiff {

class DeviationSampler {
 public:
  // Throws std::invalid_argument when reverse_steps cannot be respaced.
  DeviationSampler(const NoiseSchedule& schedule, int reverse_steps);

  const std::vector<int>& timesteps() const { return timesteps_; }

  // Called after each reverse step with its index (0 = first) and the new x;
  // the engine keeps the trace with it, the benchmark times the steps.
  using StepObserver = std::function<void(int step, const at::Tensor& x)>;

  // z: [B, C, h, w] scaled latent; class_ids: [B] int64 on z's device.
  at::Tensor correct(nn::UNetModel& unet, const at::Tensor& z, const at::Tensor& class_ids,
                     const StepObserver& after_step = {}) const;

 private:
  std::vector<int> timesteps_;  // ascending, e.g. {0, 2, 4, 6, 8}
  std::vector<double> sigmas_;  // s_t of each kept timestep
};

}  // namespace decodiff
