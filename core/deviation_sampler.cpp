#include "deviation_sampler.h"

namespace decodiff {

DeviationSampler::DeviationSampler(const NoiseSchedule& schedule, int reverse_steps)
    : timesteps_(respaced_timesteps(schedule.steps(), reverse_steps)) {
  for (int t : timesteps_) sigmas_.push_back(schedule.sigma(t));
}

at::Tensor DeviationSampler::correct(nn::UNetModel& unet, const at::Tensor& z, const at::Tensor& class_ids,
                                     const StepObserver& after_step) const {
  at::Tensor x = z;
  const int64_t batch = z.size(0);
  for (int i = static_cast<int>(timesteps_.size()) - 1; i >= 0; --i) {
    // The UNet sees the original timestep (the reference's respacing wrapper
    // maps the respaced index back), not the index i.
    auto t = at::full({batch}, timesteps_[i], at::TensorOptions().dtype(at::kLong).device(z.device()));
    auto direction = unet->forward(x, t, class_ids);
    // Coefficients are rounded to float32 first, as the reference's
    // _extract_into_tensor(...).float() does.
    const float s_t = static_cast<float>(sigmas_[i]);
    auto x0 = x - direction * s_t;
    x = i > 0 ? x0 + direction * static_cast<float>(sigmas_[i - 1]) : x0;
    if (after_step) after_step(static_cast<int>(timesteps_.size()) - 1 - i, x);
  }
  return x;
}

}  // namespace decodiff
