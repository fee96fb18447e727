#include "nn/module_utils.h"

namespace decodiff::nn {

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters(/*recurse=*/true)) total += p.numel();
  return total;
}

void set_weight_layout(torch::nn::Module& module, bool channels_last) {
  at::NoGradGuard no_grad;
  const auto format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  for (auto& p : module.parameters(/*recurse=*/true))
    if (p.dim() == 4) p.set_data(p.contiguous(format));
}

}  // namespace decodiff::nn
