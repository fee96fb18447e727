#include "nn/layers.h"

#include <c10/core/GradMode.h>

#include <sstream>

namespace decodiff::nn::detail {

at::Tensor group_norm(const torch::nn::GroupNorm& norm, const at::Tensor& x) {
  const auto& opt = norm->options;
  if (!x.is_cpu() || x.is_contiguous())
    return at::group_norm(x, opt.num_groups(), norm->weight, norm->bias, opt.eps());
  return at::group_norm(x.contiguous(), opt.num_groups(), norm->weight, norm->bias, opt.eps())
      .contiguous(x.suggest_memory_format());
}

at::Tensor group_norm_f32(const torch::nn::GroupNorm& norm, const at::Tensor& x) {
  if (x.scalar_type() == at::kFloat && norm->weight.scalar_type() == at::kFloat) return group_norm(norm, x);
  const auto& opt = norm->options;
  auto x32 = x.to(at::kFloat);
  if (x32.is_cpu()) x32 = x32.contiguous();
  return at::group_norm(x32, opt.num_groups(), norm->weight.to(at::kFloat), norm->bias.to(at::kFloat),
                        opt.eps())
      .to(x.scalar_type())
      .contiguous(x.suggest_memory_format());
}

void zero_parameters(torch::nn::Module& module) {
  at::NoGradGuard no_grad;
  for (auto& p : module.parameters(/*recurse=*/true)) p.zero_();
}

std::string describe(const at::Tensor& t) {
  if (!t.defined()) return "none";
  std::ostringstream s;
  s << t.sizes() << ' ' << t.scalar_type();
  return s.str();
}

}  // namespace decodiff::nn::detail
